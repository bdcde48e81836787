//! Lifecycle callbacks (`Lifecycle` on the entity) and entity listeners (`EntityListener`
//! on the context) on every database: order, the same transaction, failures that roll back.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};

use framework_data::prelude::*;
use tests::{TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "lc_members", lifecycle)]
pub struct Member {
    #[id(generated)]
    pub id: i64,
    #[validate(email)]
    pub email: String,
    pub status: String,
    #[transient]
    pub domain: String,
    #[version]
    pub version: i64,
}

/// What the entity's own callbacks did, for the order checks.
static CALLS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log(what: String) {
    CALLS.lock().unwrap().push(what);
}

impl Lifecycle for Member {
    fn pre_persist(&mut self) -> DataResult<()> {
        // Runs before validation: " Ann@X.org " becomes a valid address.
        self.email = self.email.trim().to_lowercase();
        log(format!("entity pre_persist {}", self.email));
        Ok(())
    }
    fn post_persist(&mut self) -> DataResult<()> {
        log(format!("entity post_persist {}", self.email));
        Ok(())
    }
    fn pre_update(&mut self) -> DataResult<()> {
        log(format!("entity pre_update {}", self.email));
        if self.status == "frozen" {
            return Err(DataError::InvalidArgument(
                "a frozen member cannot change".into(),
            ));
        }
        Ok(())
    }
    fn pre_remove(&mut self) -> DataResult<()> {
        log(format!("entity pre_remove {}", self.email));
        if self.status == "locked" {
            return Err(DataError::InvalidArgument("a locked member stays".into()));
        }
        Ok(())
    }
    fn post_remove(&mut self) -> DataResult<()> {
        log(format!("entity post_remove {}", self.email));
        Ok(())
    }
    fn post_load(&mut self) {
        self.domain = self.email.rsplit('@').next().unwrap_or_default().to_owned();
    }
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "lc_audit")]
pub struct AuditRow {
    #[id(generated)]
    pub id: i64,
    pub what: String,
}

/// Writes an audit row per write, in the write's transaction, and logs the order.
struct Auditor {
    name: &'static str,
    rows: Repository<AuditRow>,
}

impl Auditor {
    async fn record(&self, what: String) -> DataResult<()> {
        log(format!("{} {what}", self.name));
        self.rows.save(AuditRow { id: 0, what }).await.map(|_| ())
    }
}

impl EntityListener<Member> for Auditor {
    fn pre_persist<'a>(&'a self, m: &'a mut Member) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async move {
            log(format!("{} pre_persist {}", self.name, m.email));
            Ok(())
        })
    }
    fn post_persist<'a>(&'a self, m: &'a Member) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(self.record(format!("persisted {}", m.id)))
    }
    fn post_update<'a>(&'a self, m: &'a Member) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(self.record(format!("updated {} v{}", m.id, m.version)))
    }
    fn post_remove<'a>(&'a self, m: &'a Member) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(self.record(format!("removed {}", m.id)))
    }
}

fn member(email: &str) -> Member {
    Member {
        id: 0,
        email: email.into(),
        status: "active".into(),
        domain: String::new(),
        version: 0,
    }
}

/// The tests share `CALLS`: one at a time per process.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let id = db.generated_id();
    for ddl in [
        format!(
            "CREATE TABLE lc_members (id {id}, email VARCHAR(100) NOT NULL, status VARCHAR(20) NOT NULL, version BIGINT NOT NULL)"
        ),
        format!("CREATE TABLE lc_audit (id {id}, what VARCHAR(100) NOT NULL)"),
    ] {
        ds.execute_script(&ddl).await.unwrap();
    }
    for name in ["first", "second"] {
        ctx.add_entity_listener::<Member>(Arc::new(Auditor {
            name,
            rows: ctx.repository().unwrap(),
        }));
    }
    CALLS.lock().unwrap().clear();
    (ctx, ds)
}

fn calls() -> Vec<String> {
    std::mem::take(&mut *CALLS.lock().unwrap())
}

async fn audit(ds: &DataSource) -> Vec<String> {
    ds.sql("SELECT what FROM lc_audit ORDER BY id")
        .fetch_all()
        .await
        .unwrap()
}

db_test!(
    async fn callbacks_and_listeners_run_in_order_around_each_write(db: TestDatabase) {
        let _serial = SERIAL.lock().await;
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let saved = members.save(member(" Ann@X.org ")).await.unwrap();
        assert_eq!(
            saved.email, "ann@x.org",
            "pre_persist ran before validation"
        );
        let id = saved.id;
        assert_eq!(
            calls(),
            [
                "first pre_persist  Ann@X.org ".to_owned(),
                "second pre_persist  Ann@X.org ".to_owned(),
                "entity pre_persist ann@x.org".to_owned(),
                format!("first persisted {id}"),
                format!("second persisted {id}"),
                "entity post_persist ann@x.org".to_owned(),
            ]
        );
        let read = members.find_by_id(id).await.unwrap().unwrap();
        assert_eq!(read.domain, "x.org", "post_load ran");

        let mut changed = read;
        changed.status = "busy".into();
        let updated = members.save(changed).await.unwrap();
        assert_eq!(
            calls(),
            [
                "entity pre_update ann@x.org".to_owned(),
                format!("first updated {id} v2"),
                format!("second updated {id} v2"),
            ]
        );
        assert!(members.delete_by_id(id).await.unwrap());
        assert!(
            !members.delete_by_id(id).await.unwrap(),
            "absent: nothing called"
        );
        assert_eq!(
            calls(),
            [
                "entity pre_remove ann@x.org".to_owned(),
                format!("first removed {id}"),
                format!("second removed {id}"),
                "entity post_remove ann@x.org".to_owned(),
            ]
        );
        assert_eq!(
            audit(&ds).await,
            [
                format!("persisted {id}"),
                format!("persisted {id}"),
                format!("updated {id} v{}", updated.version),
                format!("updated {id} v{}", updated.version),
                format!("removed {id}"),
                format!("removed {id}"),
            ]
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_failing_callback_rolls_back_the_whole_transaction(db: TestDatabase) {
        let _serial = SERIAL.lock().await;
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let mut frozen = members.save(member("fay@x.org")).await.unwrap();
        frozen.status = "frozen".into();
        // Frozen is stored through SQL: the entity's own pre_update would refuse it.
        ds.sql("UPDATE lc_members SET status = 'frozen' WHERE id = :id")
            .bind("id", frozen.id)
            .execute()
            .await
            .unwrap();
        let audit_before = audit(&ds).await.len();
        let tm = ctx.transaction_manager_default().unwrap();
        let result: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                members.save(member("gus@x.org")).await?;
                let mut f = members.find_by_id(frozen.id).await?.unwrap();
                f.version = frozen.version;
                f.email = "other@x.org".into();
                members.save(f).await?;
                Ok(())
            })
            .await;
        assert!(
            matches!(result, Err(DataError::InvalidArgument(_))),
            "{result:?}"
        );
        let count: i64 = ds
            .sql("SELECT COUNT(*) FROM lc_members")
            .fetch_one()
            .await
            .unwrap();
        assert_eq!(count, 1, "gus rolled back with the transaction");
        assert_eq!(
            audit(&ds).await.len(),
            audit_before,
            "and the listeners' rows"
        );

        // A pre_remove error keeps the row, and its listener rows are not written.
        ds.sql("UPDATE lc_members SET status = 'locked' WHERE id = :id")
            .bind("id", frozen.id)
            .execute()
            .await
            .unwrap();
        let err = members.delete_by_id(frozen.id).await.unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        assert!(members.exists_by_id(frozen.id).await.unwrap());
        assert_eq!(audit(&ds).await.len(), audit_before);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn save_all_and_bulk_deletes_call_each_entity(db: TestDatabase) {
        let _serial = SERIAL.lock().await;
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let saved = members
            .save_all(vec![member(" B@x.org"), member("C@x.org ")])
            .await
            .unwrap();
        assert_eq!(saved[0].email, "b@x.org");
        assert_eq!(saved[1].email, "c@x.org");
        let log = calls();
        // Every pre_persist before any post_persist.
        let first_post = log.iter().position(|c| c.contains("persisted")).unwrap();
        assert_eq!(
            log[..first_post]
                .iter()
                .filter(|c| c.contains("pre_persist"))
                .count(),
            6
        );
        assert_eq!(audit(&ds).await.len(), 4);
        assert_eq!(members.delete_all().await.unwrap(), 2);
        let removed = calls().iter().filter(|c| c.contains("removed")).count();
        assert_eq!(removed, 4, "two listeners for each of two members");
        assert_eq!(members.count().await.unwrap(), 0);
        ctx.shutdown().await.unwrap();
    }
);
