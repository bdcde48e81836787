//! A MariaDB Galera cluster (`.ci/galera.sh`: three nodes on loopback) as a DataSource: the
//! pool spreads its connections over the nodes (`nodes`), every node takes writes, and a
//! conflict between nodes fails at COMMIT as a deadlock that `retry` re-runs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use framework_core::{ApplicationContextBuilder, NoModule};
use framework_data::prelude::*;
use framework_data::sql::Sql;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "notes")]
pub struct Note {
    #[id(generated)]
    pub id: i64,
    pub body: String,
}

async fn node_port(ds: &DataSource) -> i64 {
    let row = ds
        .fetch_optional(Sql::from("SELECT CAST(@@port AS SIGNED)"), ds.args())
        .await
        .unwrap()
        .unwrap();
    row.get::<i64>(0).unwrap()
}

fn context(urls: &[String], nodes: &[String]) -> ApplicationContextBuilder<NoModule> {
    ApplicationContext::builder()
        .environment(Vec::<(String, String)>::new())
        .set("datasource.url", urls[0].clone())
        .set("datasource.nodes", nodes.to_vec())
        .set("datasource.validate_schema", false)
        .set("management.enabled", false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_spreads_over_the_nodes_and_conflicts_between_nodes_are_retried() {
    tests::run_on_galera("galera", |urls| async move {
        // Spread: three connections held at once are on three nodes.
        let ctx = context(&urls, &urls[1..]).start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script("CREATE TABLE counters (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)")
            .await
            .unwrap();
        ds.execute(Sql::from("INSERT INTO counters VALUES (1, 0)"), ds.args())
            .await
            .unwrap();
        let mut held = Vec::new();
        let mut ports = std::collections::BTreeSet::new();
        for _ in 0..3 {
            let mut conn = ds.acquire().await.unwrap();
            let port: i64 = sqlx::query_scalar("SELECT CAST(@@port AS SIGNED)")
                .fetch_one(conn.as_mysql().unwrap())
                .await
                .unwrap();
            ports.insert(port);
            held.push(conn);
        }
        drop(held);
        assert_eq!(ports.len(), 3, "connections on {ports:?}");

        // Generated ids step by the cluster's size on a node: save_all still gives every
        // entity its own row's id.
        ds.execute_script(
            "CREATE TABLE notes (id BIGINT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL)",
        )
        .await
        .unwrap();
        let notes = ctx.repository::<Note>().unwrap();
        let saved = notes
            .save_all(
                (0..7)
                    .map(|k| Note {
                        id: 0,
                        body: format!("n{k}"),
                    })
                    .collect(),
            )
            .await
            .unwrap();
        for note in &saved {
            assert_eq!(
                notes.find_by_id(note.id).await.unwrap().as_ref(),
                Some(note)
            );
        }

        // A node that refuses is skipped: a DataSource whose first URL is dead still connects.
        let dead_first = vec!["mysql://root@127.0.0.1:1/none".to_owned()];
        let ctx2 = context(&dead_first, &urls[1..2]).start().await.unwrap();
        assert_eq!(node_port(&ctx2.datasource_default().unwrap()).await, 3312);
        ctx2.shutdown().await.unwrap();

        // Two instances on different nodes update the same row at once: the second COMMIT
        // fails certification, reported as a deadlock (transient)...
        let a = context(&urls[..1], &[]).start().await.unwrap();
        let b = context(&urls[1..2], &[]).start().await.unwrap();
        let (ds_a, ds_b) = (
            a.datasource_default().unwrap(),
            b.datasource_default().unwrap(),
        );
        assert_eq!(node_port(&ds_a).await, 3311);
        assert_eq!(node_port(&ds_b).await, 3312);
        let (tm_a, tm_b) = (
            a.transaction_manager_default().unwrap(),
            b.transaction_manager_default().unwrap(),
        );
        let bump = Sql::from("UPDATE counters SET value = value + 1 WHERE id = 1");
        let conflict = |retry: u32| {
            let (ds_a, ds_b, tm_a, tm_b, bump) = (
                ds_a.clone(),
                ds_b.clone(),
                tm_a.clone(),
                tm_b.clone(),
                bump.clone(),
            );
            async move {
                let b_wrote = Arc::new(tokio::sync::Notify::new());
                let a_committed = Arc::new(tokio::sync::Notify::new());
                let attempts = Arc::new(std::sync::atomic::AtomicU32::new(0));
                let task_b = {
                    let (b_wrote, a_committed, attempts, bump) = (
                        b_wrote.clone(),
                        a_committed.clone(),
                        attempts.clone(),
                        bump.clone(),
                    );
                    tokio::spawn(async move {
                        TransactionTemplate::new(tm_b)
                            .retry(retry)
                            .execute(|| {
                                let (ds_b, bump, b_wrote, a_committed, attempts) = (
                                    ds_b.clone(),
                                    bump.clone(),
                                    b_wrote.clone(),
                                    a_committed.clone(),
                                    attempts.clone(),
                                );
                                async move {
                                    let first = attempts
                                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                                        == 0;
                                    ds_b.execute(bump, ds_b.args()).await?;
                                    if first {
                                        b_wrote.notify_one();
                                        a_committed.notified().await;
                                    }
                                    Ok::<_, DataError>(())
                                }
                            })
                            .await
                    })
                };
                let a_done = TransactionTemplate::new(tm_a)
                    .execute(|| {
                        let (ds_a, bump, b_wrote) = (ds_a.clone(), bump.clone(), b_wrote.clone());
                        async move {
                            b_wrote.notified().await;
                            ds_a.execute(bump, ds_a.args()).await?;
                            Ok::<_, DataError>(())
                        }
                    })
                    .await;
                a_committed.notify_one();
                (
                    a_done,
                    task_b.await.unwrap(),
                    attempts.load(std::sync::atomic::Ordering::SeqCst),
                )
            }
        };
        let (a_done, b_done, attempts) = conflict(0).await;
        a_done.unwrap();
        let err = b_done.unwrap_err();
        assert!(
            err.is_transient(),
            "a certification failure is transient: {err}"
        );
        assert_eq!(attempts, 1);
        // ... and with retry the losing transaction runs again and commits.
        let (a_done, b_done, attempts) = conflict(3).await;
        a_done.unwrap();
        b_done.unwrap();
        assert_eq!(attempts, 2, "one retry");
        let value = ds_a
            .fetch_optional(
                Sql::from("SELECT value FROM counters WHERE id = 1"),
                ds_a.args(),
            )
            .await
            .unwrap()
            .unwrap()
            .get::<i64>(0)
            .unwrap();
        assert_eq!(value, 3, "the first round's A, the second round's A and B");
        for c in [a, b, ctx] {
            c.shutdown().await.unwrap();
        }
    })
    .await;
}
