//! Transactional events on every database: each listener runs at its phase, only for the
//! outcome it asked for, exactly once; BeforeCommit runs in the transaction and can veto it;
//! an entity publishes from a lifecycle callback; without a transaction only fallback
//! listeners run.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use framework_data::prelude::*;
use framework_data::tx::{TransactionPhase, TransactionalEventListener};
use tests::{TestDatabase, db_test};

#[derive(Debug, Clone)]
pub struct Placed(pub String);

struct Recorder {
    phase: TransactionPhase,
    fallback: bool,
    seen: Arc<Mutex<Vec<String>>>,
}

impl TransactionalEventListener<Placed> for Recorder {
    fn phase(&self) -> TransactionPhase {
        self.phase
    }
    fn fallback_execution(&self) -> bool {
        self.fallback
    }
    fn on_event<'a>(&'a self, event: &'a Placed) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap()
                .push(format!("{:?} {}", self.phase, event.0));
            Ok(())
        })
    }
}

/// Writes a row in the transaction, or refuses the commit for an event named "veto".
struct Gate(Repository<Order>);

impl TransactionalEventListener<Placed> for Gate {
    fn phase(&self) -> TransactionPhase {
        TransactionPhase::BeforeCommit
    }
    fn on_event<'a>(&'a self, event: &'a Placed) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async move {
            if event.0 == "veto" {
                return Err(DataError::InvalidArgument("vetoed".into()));
            }
            self.0
                .save(Order {
                    id: 0,
                    name: format!("gate {}", event.0),
                })
                .await
                .map(|_| ())
        })
    }
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "ev_orders", lifecycle)]
pub struct Order {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

impl Lifecycle for Order {
    fn post_persist(&mut self) -> DataResult<()> {
        if !self.name.starts_with("gate") {
            framework_data::tx::publish(Placed(format!("entity {}", self.name)));
        }
        Ok(())
    }
}

async fn start(
    db: &TestDatabase,
    fallback: bool,
) -> (ApplicationContext, DataSource, Arc<Mutex<Vec<String>>>) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let id = db.generated_id();
    ds.execute_script(&format!(
        "CREATE TABLE ev_orders (id {id}, name VARCHAR(100) NOT NULL)"
    ))
    .await
    .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    for phase in [
        TransactionPhase::AfterCommit,
        TransactionPhase::AfterRollback,
        TransactionPhase::AfterCompletion,
    ] {
        ctx.add_event_listener::<Placed>(Arc::new(Recorder {
            phase,
            fallback: fallback && phase == TransactionPhase::AfterCommit,
            seen: seen.clone(),
        }));
    }
    ctx.add_event_listener::<Placed>(Arc::new(Gate(ctx.repository().unwrap())));
    (ctx, ds, seen)
}

fn take(seen: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *seen.lock().unwrap())
}

async fn names(ds: &DataSource) -> Vec<String> {
    ds.sql("SELECT name FROM ev_orders ORDER BY id")
        .fetch_all()
        .await
        .unwrap()
}

db_test!(
    async fn listeners_run_once_for_the_outcome_they_asked_for(db: TestDatabase) {
        let (ctx, ds, seen) = start(&db, false).await;
        let tm = ctx.transaction_manager_default().unwrap();
        tm.execute(&TransactionDefinition::new(), async {
            tm.publish(Placed("a".into()));
            assert!(take(&seen).is_empty(), "nothing runs before the end");
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(take(&seen), ["AfterCommit a", "AfterCompletion a"]);
        assert_eq!(
            names(&ds).await,
            ["gate a"],
            "BeforeCommit wrote in the transaction"
        );

        let rolled: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                tm.publish(Placed("b".into()));
                Err(DataError::InvalidArgument("give up".into()))
            })
            .await;
        assert!(rolled.is_err());
        assert_eq!(take(&seen), ["AfterRollback b", "AfterCompletion b"]);
        assert_eq!(
            names(&ds).await,
            ["gate a"],
            "no BeforeCommit on a rollback"
        );

        // A BeforeCommit error vetoes the commit: the transaction's writes roll back.
        let vetoed: Result<(), TxError> = tm
            .execute(&TransactionDefinition::new(), async {
                ctx.repository::<Order>()?
                    .save(Order {
                        id: 0,
                        name: "gate kept?".into(),
                    })
                    .await?;
                tm.publish(Placed("veto".into()));
                Ok::<_, TxError>(())
            })
            .await;
        assert!(vetoed.is_err(), "{vetoed:?}");
        assert_eq!(names(&ds).await, ["gate a"]);
        assert_eq!(take(&seen), ["AfterRollback veto", "AfterCompletion veto"]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn an_entity_publishes_from_its_callback(db: TestDatabase) {
        let (ctx, ds, seen) = start(&db, false).await;
        let orders = ctx.repository::<Order>().unwrap();
        // `save` runs in a transaction of its own (the entity has callbacks).
        ctx.scope(orders.save(Order {
            id: 0,
            name: "x".into(),
        }))
        .await
        .unwrap();
        assert_eq!(
            take(&seen),
            ["AfterCommit entity x", "AfterCompletion entity x"]
        );
        assert_eq!(names(&ds).await, ["x", "gate entity x"]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn without_a_transaction_only_fallback_listeners_run(db: TestDatabase) {
        let (ctx, _ds, seen) = start(&db, true).await;
        let tm = ctx.transaction_manager_default().unwrap();
        tm.publish(Placed("loose".into()));
        for _ in 0..100 {
            if !seen.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(take(&seen), ["AfterCommit loose"]);
        ctx.shutdown().await.unwrap();
    }
);
