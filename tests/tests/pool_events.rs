//! Pool lifecycle events: a listener sees every connection created and closed, every borrow
//! and return, and every borrow that timed out; the actuator's metrics agree with it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use framework_data::driver::{PoolEvent, PoolInfo, PoolListener};
use framework_data::prelude::*;
use framework_data::sql::Sql;
use tests::{db_test, eventually};

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, PoolEvent)>>);

impl PoolListener for Recorder {
    fn on_event(&self, pool: &PoolInfo, event: PoolEvent) {
        self.0
            .lock()
            .unwrap()
            .push((format!("{}:{}", pool.pool, pool.role), event));
    }
}

impl Recorder {
    fn count(&self, kind: fn(&PoolEvent) -> bool) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, e)| kind(e))
            .count()
    }
}

db_test! {
    async fn a_listener_sees_every_connection_borrow_return_and_timeout(db: TestDatabase) {
        let ctx = db
            .context()
            .set("datasource.pool.max_connections", 2)
            .set("datasource.pool.acquire_timeout", "300ms")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        let recorder = Arc::new(Recorder::default());
        ds.add_pool_listener(recorder.clone());

        for _ in 0..5 {
            ds.fetch_all(Sql::from("SELECT 1"), ds.args()).await.unwrap();
        }
        let tm = ctx.transaction_manager_default().unwrap();
        tm.execute(&TransactionDefinition::new(), async {
            ds.fetch_all(Sql::from("SELECT 1"), ds.args()).await?;
            ds.fetch_all(Sql::from("SELECT 1"), ds.args()).await
        })
        .await
        .unwrap();
        // Five statements and one transaction: six borrows, six returns (the transaction
        // holds its connection for both statements).
        let acquired = recorder.count(|e| matches!(e, PoolEvent::Acquired { .. }));
        assert_eq!(acquired, 6);
        assert!(
            eventually(Duration::from_secs(2), || recorder.count(|e| matches!(e, PoolEvent::Released { .. })) == 6).await,
            "every borrow is returned"
        );
        assert!(recorder.0.lock().unwrap().iter().all(|(pool, _)| pool == "default:primary"));

        // Both connections borrowed: the next borrow times out, reported as an event and as
        // the typed error.
        let held = (ds.acquire().await.unwrap(), ds.acquire().await.unwrap());
        let created = recorder.count(|e| matches!(e, PoolEvent::Created { .. }));
        assert!((1..=2).contains(&created), "created {created}");
        let err = ds.fetch_all(Sql::from("SELECT 1"), ds.args()).await.unwrap_err();
        assert!(matches!(err, DataError::PoolTimeout { .. }), "{err}");
        assert_eq!(recorder.count(|e| matches!(e, PoolEvent::Timeout { .. })), 1);
        let waited = recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .find_map(|(_, e)| match e {
                PoolEvent::Timeout { waited } => Some(*waited),
                _ => None,
            })
            .unwrap();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        drop(held);

        // Closing the pool closes every connection open (one opened at start-up, before the
        // listener, included).
        let open = ds.status().size as usize;
        assert_eq!(open, 2);
        assert_eq!(recorder.count(|e| matches!(e, PoolEvent::Closed { .. })), 0);
        ctx.shutdown().await.unwrap();
        assert!(
            eventually(Duration::from_secs(2), || recorder.count(|e| matches!(e, PoolEvent::Closed { .. })) == open).await,
            "closed {} of {open}",
            recorder.count(|e| matches!(e, PoolEvent::Closed { .. }))
        );
    }
}

db_test! {
    async fn a_listener_registered_on_the_builder_sees_the_first_connections(db: TestDatabase) {
        // Registered before start: it sees the connection start-up opens (which
        // `add_pool_listener` after start cannot), and the same events as any listener.
        let recorder = Arc::new(Recorder::default());
        let second = Arc::new(Recorder::default());
        let ctx = db
            .context()
            .pool_listener(recorder.clone())
            .pool_listener(second.clone())
            .set("datasource.pool.max_connections", 2)
            .start()
            .await
            .unwrap();
        let created_at_start = recorder.count(|e| matches!(e, PoolEvent::Created { .. }));
        assert!(created_at_start >= 1, "start-up opened a connection: {created_at_start}");
        assert_eq!(recorder.count(|e| matches!(e, PoolEvent::Acquired { .. })), second.count(|e| matches!(e, PoolEvent::Acquired { .. })));
        let ds = ctx.datasource_default().unwrap();
        let borrowed = recorder.count(|e| matches!(e, PoolEvent::Acquired { .. }));
        ds.fetch_all(Sql::from("SELECT 1"), ds.args()).await.unwrap();
        assert_eq!(recorder.count(|e| matches!(e, PoolEvent::Acquired { .. })), borrowed + 1);
        assert_eq!(second.count(|e| matches!(e, PoolEvent::Acquired { .. })), borrowed + 1);
        // The registry is a bean like the others.
        let registered = ctx.bean::<framework_data::driver::PoolListeners>().unwrap();
        assert_eq!(registered.all().len(), 2);
        ctx.shutdown().await.unwrap();
        assert!(
            eventually(Duration::from_secs(2), || recorder.count(|e| matches!(e, PoolEvent::Closed { .. }))
                == recorder.count(|e| matches!(e, PoolEvent::Created { .. })))
            .await,
            "every connection it saw opened, it sees closed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_builder_listener_sees_the_replica_pools_too() {
    tests::run_with_replica("pool_events_replica", |db, replica| async move {
        let recorder = Arc::new(Recorder::default());
        let ctx = db
            .context()
            .pool_listener(recorder.clone())
            .set("datasource.replicas", vec![replica])
            .set("datasource.routing.read_your_writes", "0s")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.fetch_all(Sql::from("SELECT 1"), ds.args())
            .await
            .unwrap();
        let pools: std::collections::BTreeSet<String> = recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(p, _)| p.clone())
            .collect();
        assert!(pools.contains("default:primary"), "{pools:?}");
        assert!(pools.contains("default/replica-1:replica"), "{pools:?}");
        ctx.shutdown().await.unwrap();
    })
    .await;
}
