//! Collection caches (`#[one_to_many(mapped_by = "board", cache)]`): a second load of the same
//! parents' children is a hit without a statement; every write of the child type empties it
//! until the write ends; and under concurrent versioned writes no load returns a collection
//! older than the last commit before it began.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use framework_data::prelude::*;
use tests::{TestDatabase, db_test};

#[derive(Entity, Debug, Clone)]
#[entity(table = "boards", cache = "boards")]
pub struct Board {
    #[id]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "board", order_by = "id asc", cache)]
    pub cards: Related<Vec<Card>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "cards")]
pub struct Card {
    #[id]
    pub id: i64,
    pub title: String,
    #[many_to_one(column = "board_id")]
    pub board: Ref<Board>,
    #[version]
    pub version: i64,
}

#[repository]
pub trait CardRepository: CrudRepository<Card> {
    async fn delete_by_title(&self, title: &str) -> DataResult<u64>;
}

const BOARDS: i64 = 4;
const CARDS: i64 = 24;

/// Boards 1..=4; cards 1..=24, card i on board (i % 4) + 1.
async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script("CREATE TABLE boards (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL)")
        .await
        .unwrap();
    ds.execute_script(
        "CREATE TABLE cards (id BIGINT PRIMARY KEY, title VARCHAR(64) NOT NULL, \
         board_id BIGINT NOT NULL REFERENCES boards(id), version BIGINT NOT NULL)",
    )
    .await
    .unwrap();
    let boards = ctx.repository::<Board>().unwrap();
    boards
        .save_all((1..=BOARDS).map(board).collect())
        .await
        .unwrap();
    let cards = ctx.repository::<Card>().unwrap();
    cards
        .save_all(
            (1..=CARDS)
                .map(|i| Card {
                    id: i,
                    title: format!("card {i}"),
                    board: Ref::to(i % BOARDS + 1),
                    version: 0,
                })
                .collect(),
        )
        .await
        .unwrap();
    (ctx, ds)
}

fn board(id: i64) -> Board {
    Board {
        id,
        name: format!("board {id}"),
        cards: Related::NotLoaded,
    }
}

fn card_ids(b: &Board) -> Vec<i64> {
    b.cards.get().unwrap().iter().map(|c| c.id).collect()
}

/// Loads the cards of boards 1..=4; returns them and the statements it took.
async fn load_all(ds: &DataSource) -> (Vec<Board>, u64) {
    let boards = Repository::<Board>::new(ds.clone());
    let mut all: Vec<Board> = (1..=BOARDS).map(board).collect();
    let before = ds.statements_executed();
    boards.load(&mut all, "cards").await.unwrap();
    (all, ds.statements_executed() - before)
}

db_test!(
    async fn a_second_load_is_a_hit_and_child_writes_empty_it(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let cards = ctx.repository::<Card>().unwrap();
        let (first, statements) = load_all(&ds).await;
        assert_eq!(statements, 1);
        assert_eq!(card_ids(&first[0]), [4, 8, 12, 16, 20, 24]);
        let (again, statements) = load_all(&ds).await;
        assert_eq!(statements, 0, "every board's cards from the cache");
        for (a, b) in first.iter().zip(&again) {
            assert_eq!(card_ids(a), card_ids(b));
        }
        let stats = ctx.cache().stats();
        let region = stats.iter().find(|r| r.name == "boards").unwrap();
        assert!(region.hits >= BOARDS as u64, "{region:?}");

        // A card moves from board 1 to board 2: both lists change on the next load.
        let mut moved = cards.find_by_id(4).await.unwrap().unwrap();
        moved.board = Ref::to(2);
        cards.save(moved).await.unwrap();
        let (after, statements) = load_all(&ds).await;
        assert_eq!(statements, 1);
        assert_eq!(card_ids(&after[0]), [8, 12, 16, 20, 24]);
        assert_eq!(card_ids(&after[1]), [1, 4, 5, 9, 13, 17, 21]);
        // An insert, a delete by id and a derived delete each empty it too.
        cards
            .save(Card {
                id: 100,
                title: "new".into(),
                board: Ref::to(1),
                version: 0,
            })
            .await
            .unwrap();
        let (after, _) = load_all(&ds).await;
        assert_eq!(card_ids(&after[0]), [8, 12, 16, 20, 24, 100]);
        cards.delete_by_id(8).await.unwrap();
        let (after, _) = load_all(&ds).await;
        assert_eq!(card_ids(&after[0]), [12, 16, 20, 24, 100]);
        let repo = CardRepositoryImpl::new(ds.clone());
        assert_eq!(repo.delete_by_title("card 12").await.unwrap(), 1);
        let (after, statements) = load_all(&ds).await;
        assert_eq!(statements, 1);
        assert_eq!(card_ids(&after[0]), [16, 20, 24, 100]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn own_writes_inside_and_others_after_commit(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let cards = ctx.repository::<Card>().unwrap();
        load_all(&ds).await;
        let tm = ctx.transaction_manager_default().unwrap();
        let (inside, outside_before_commit) = tm
            .execute(&TransactionDefinition::new(), async {
                let mut c = cards.find_by_id(1).await.unwrap().unwrap();
                c.board = Ref::to(1);
                cards.save(c).await.unwrap();
                // Inside: the database, with the move.
                let (mine, _) = load_all(&ds).await;
                // Another task, outside the transaction: the committed state (not cached
                // while the write is open).
                let ds2 = ds.clone();
                let other = tokio::spawn(async move { load_all(&ds2).await.0 })
                    .await
                    .unwrap();
                Ok::<_, DataError>((card_ids(&mine[0]), card_ids(&other[0])))
            })
            .await
            .unwrap();
        assert!(inside.contains(&1), "{inside:?}");
        assert!(
            !outside_before_commit.contains(&1),
            "{outside_before_commit:?}"
        );
        let (after, statements) = load_all(&ds).await;
        assert_eq!(statements, 1, "nothing put while the write was open");
        assert!(card_ids(&after[0]).contains(&1));
        // A rolled-back move leaves the committed lists.
        let failed: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                let mut c = cards.find_by_id(2).await.unwrap().unwrap();
                c.board = Ref::to(1);
                cards.save(c).await.unwrap();
                Err(DataError::InvalidArgument("roll back".into()))
            })
            .await;
        assert!(failed.is_err());
        let (after, _) = load_all(&ds).await;
        assert!(!card_ids(&after[0]).contains(&2));
        assert!(card_ids(&after[2]).contains(&2));
        ctx.shutdown().await.unwrap();
    }
);

/// What the writers last committed for each card: its version and board, and how many
/// writes of it began and ended (a reader trusts a card's board only when none was open).
struct Ledger {
    /// (version, board) of the newest committed write: two writers may record out of order.
    committed: Vec<Mutex<(i64, i64)>>,
    started: Vec<AtomicU64>,
    ended: Vec<AtomicU64>,
}

db_test!(
    async fn concurrent_loads_never_return_a_stale_collection(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let n = CARDS as usize + 1;
        let ledger = Arc::new(Ledger {
            committed: (0..n)
                .map(|i| Mutex::new((1, i as i64 % BOARDS + 1)))
                .collect(),
            started: (0..n).map(|_| AtomicU64::new(0)).collect(),
            ended: (0..n).map(|_| AtomicU64::new(0)).collect(),
        });
        let deadline = Instant::now() + Duration::from_secs(4);
        let mut tasks = Vec::new();
        for t in 0..12u64 {
            let (ds, ledger) = (ds.clone(), ledger.clone());
            tasks.push(tokio::spawn(async move {
                let cards = Repository::<Card>::new(ds.clone());
                let boards = Repository::<Board>::new(ds.clone());
                let mut seed = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                let mut next = move || {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed
                };
                let (mut loads, mut moves) = (0u64, 0u64);
                while Instant::now() < deadline {
                    if t % 3 == 0 {
                        // A writer: move a card to another board.
                        let id = (next() % CARDS as u64) as i64 + 1;
                        let i = id as usize;
                        let to = (next() % BOARDS as u64) as i64 + 1;
                        ledger.started[i].fetch_add(1, Ordering::SeqCst);
                        let Some(mut c) = cards.find_by_id(id).await.unwrap() else {
                            ledger.ended[i].fetch_add(1, Ordering::SeqCst);
                            continue;
                        };
                        c.board = Ref::to(to);
                        match cards.save(c).await {
                            Ok(saved) => {
                                let mut last = ledger.committed[i].lock().unwrap();
                                if saved.version > last.0 {
                                    *last = (saved.version, to);
                                }
                                moves += 1;
                            }
                            Err(
                                DataError::OptimisticLock { .. }
                                | DataError::SerializationFailure { .. }
                                | DataError::Deadlock { .. },
                            ) => {}
                            Err(e) => panic!("unexpected: {e}"),
                        }
                        ledger.ended[i].fetch_add(1, Ordering::SeqCst);
                        // Gaps between writes, so that loads also hit.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    } else {
                        // A reader: one board's cards, checked against what was committed
                        // before the load began.
                        let b = (next() % BOARDS as u64) as i64 + 1;
                        let before: Vec<(u64, u64, i64, i64)> = (0..n)
                            .map(|i| {
                                // `ended` first: a write that ends after this is still open.
                                let ended = ledger.ended[i].load(Ordering::SeqCst);
                                let started = ledger.started[i].load(Ordering::SeqCst);
                                let (version, on) = *ledger.committed[i].lock().unwrap();
                                (started, ended, on, version)
                            })
                            .collect();
                        let mut one = [board(b)];
                        boards.load(&mut one, "cards").await.unwrap();
                        let got = one[0].cards.get().unwrap();
                        for c in got {
                            let floor = before[c.id as usize].3;
                            assert!(
                                c.version >= floor,
                                "board {b}: card {} at version {} after version {floor} committed",
                                c.id,
                                c.version
                            );
                        }
                        for (i, (started, ended, on, version)) in before.iter().enumerate().skip(1) {
                            let quiet = started == ended
                                && ledger.started[i].load(Ordering::SeqCst) == *started;
                            if quiet && *on == b {
                                let c = got.iter().find(|c| c.id == i as i64);
                                assert!(
                                    c.is_some_and(|c| c.version == *version),
                                    "board {b}: card {i} (version {version}, committed here, untouched since) missing or stale: {c:?}"
                                );
                            }
                        }
                        loads += 1;
                        // A hit never waits: let the writers run.
                        tokio::task::yield_now().await;
                    }
                }
                (loads, moves)
            }));
        }
        let (mut loads, mut moves) = (0, 0);
        for t in tasks {
            let (l, m) = t.await.unwrap();
            loads += l;
            moves += m;
        }
        assert!(loads > 100 && moves > 10, "loads {loads}, moves {moves}");
        let stats = ctx.cache().stats();
        let region = stats.iter().find(|r| r.name == "boards").unwrap();
        eprintln!(
            "{:?}: {loads} loads, {moves} moves; collection cache {} hits, {} misses, {} puts",
            db.backend(),
            region.hits,
            region.misses,
            region.puts
        );
        assert!(region.hits > 0 && region.puts > 0, "{region:?}");
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn to_one_targets_in_a_region_come_from_the_entity_cache(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let cards = ctx.repository::<Card>().unwrap();
        let mut all = cards.find_all().await.unwrap();
        let before = ds.statements_executed();
        cards.load(&mut all, "board").await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            1,
            "the 4 boards in one statement"
        );
        // The boards are in their region now: loading them again sends nothing.
        let mut again = cards.find_all().await.unwrap();
        let before = ds.statements_executed();
        cards.load(&mut again, "board").await.unwrap();
        assert_eq!(ds.statements_executed() - before, 0);
        for c in &again {
            assert_eq!(c.board.get().unwrap().id, *c.board.id());
        }
        ctx.shutdown().await.unwrap();
    }
);
