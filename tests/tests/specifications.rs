//! Specifications (`Entity::fields()` + `Spec`) on every database, checked against a Rust
//! oracle over seeded rows with NULLs, mixed case, non-ASCII text and `%`/`_` in strings:
//! every predicate and combinator, paths through associations, paging, counts, deletes,
//! soft-delete visibility (the statement-text cache: `derived_sql_builds.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use framework_data::query::Update;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sp_teams")]
pub struct Team {
    #[id]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "team", order_by = "id asc")]
    pub members: Related<Vec<Person>>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sp_people")]
pub struct Person {
    #[id]
    pub id: i64,
    pub name: String,
    pub nick: Option<String>,
    pub age: i32,
    pub score: Option<i64>,
    pub active: bool,
    #[many_to_one(column = "team_id")]
    pub team: Option<Ref<Team>>,
    #[soft_delete]
    pub deleted_at: Option<DateTime<Utc>>,
}

#[repository]
pub trait PersonRepository: CrudRepository<Person> {}

/// id, name, nick, age, score, active, team
type Row = (
    i64,
    &'static str,
    Option<&'static str>,
    i32,
    Option<i64>,
    bool,
    Option<i64>,
);

const ROWS: &[Row] = &[
    (1, "Ann", Some("annie"), 31, Some(10), true, Some(1)),
    (2, "anna", None, 25, None, false, Some(1)),
    (3, "Bob", Some("B"), 40, Some(-5), true, Some(2)),
    (4, "ÉMILE", Some("Émi"), 19, Some(0), true, None),
    (5, "émile", None, 52, Some(7), false, Some(2)),
    (6, "50%_off", Some("100%"), 33, None, true, Some(1)),
    (7, "a_b", Some("a%b"), 28, Some(3), false, None),
    (8, "Zoë", Some("zoe"), 61, Some(12), true, Some(3)),
    (9, "carl", None, 45, Some(1), true, Some(3)),
];

const TEAMS: &[(i64, &str)] = &[(1, "Red"), (2, "Blue"), (3, "Grün")];

fn people() -> Vec<Person> {
    ROWS.iter()
        .map(|(id, name, nick, age, score, active, team)| Person {
            id: *id,
            name: (*name).into(),
            nick: nick.map(Into::into),
            age: *age,
            score: *score,
            active: *active,
            team: team.map(Ref::to),
            deleted_at: None,
        })
        .collect()
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    // Case-sensitive text on MySQL too, as the oracle compares.
    let text = match db.backend() {
        Backend::MySql => "VARCHAR(50) COLLATE utf8mb4_bin",
        _ => "VARCHAR(50)",
    };
    let ts = db.timestamp();
    ds.execute_script(&format!(
        "CREATE TABLE sp_teams (id BIGINT PRIMARY KEY, name {text} NOT NULL)"
    ))
    .await
    .unwrap();
    ds.execute_script(&format!(
        "CREATE TABLE sp_people (id BIGINT PRIMARY KEY, name {text} NOT NULL, nick {text} NULL, \
         age INTEGER NOT NULL, score BIGINT NULL, active BOOLEAN NOT NULL, team_id BIGINT NULL, deleted_at {ts} NULL)"
    ))
    .await
    .unwrap();
    let teams = ctx.repository::<Team>().unwrap();
    for (id, name) in TEAMS {
        teams
            .save(Team {
                id: *id,
                name: (*name).into(),
                members: Related::default(),
            })
            .await
            .unwrap();
    }
    ctx.repository::<Person>()
        .unwrap()
        .save_all(people())
        .await
        .unwrap();
    (ctx, ds)
}

fn ids(found: &[Person]) -> Vec<i64> {
    let mut ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids
}

fn team_name(p: &Person) -> Option<&'static str> {
    let team = p.team.as_ref()?;
    TEAMS
        .iter()
        .find(|(id, _)| id == team.id())
        .map(|(_, n)| *n)
}

type Oracle = Box<dyn Fn(&Person) -> bool>;

/// Every predicate and combinator, with what it should match.
fn cases() -> Vec<(&'static str, Spec<Person>, Oracle)> {
    let f = Person::fields();
    let lower = |s: &str| s.to_lowercase();
    vec![
        (
            "eq",
            f.name().eq("Bob"),
            Box::new(|p: &Person| p.name == "Bob"),
        ),
        (
            "ne",
            f.name().ne("Bob"),
            Box::new(|p: &Person| p.name != "Bob"),
        ),
        ("lt", f.age().lt(30), Box::new(|p: &Person| p.age < 30)),
        ("le", f.age().le(31), Box::new(|p: &Person| p.age <= 31)),
        ("gt", f.age().gt(45), Box::new(|p: &Person| p.age > 45)),
        ("ge", f.age().ge(45), Box::new(|p: &Person| p.age >= 45)),
        (
            "between",
            f.age().between(25, 33),
            Box::new(|p: &Person| (25..=33).contains(&p.age)),
        ),
        (
            "in",
            f.age().in_([19, 40, 61]),
            Box::new(|p: &Person| [19, 40, 61].contains(&p.age)),
        ),
        (
            "in three (padded)",
            f.name().in_(["Ann", "carl", "Zoë"]),
            Box::new(|p: &Person| ["Ann", "carl", "Zoë"].contains(&p.name.as_str())),
        ),
        (
            "in empty",
            f.age().in_(Vec::<i32>::new()),
            Box::new(|_: &Person| false),
        ),
        (
            "not in",
            f.age().not_in([19, 40]),
            Box::new(|p: &Person| ![19, 40].contains(&p.age)),
        ),
        (
            "not in empty",
            f.age().not_in(Vec::<i32>::new()),
            Box::new(|_: &Person| true),
        ),
        (
            "is null",
            f.nick().is_null(),
            Box::new(|p: &Person| p.nick.is_none()),
        ),
        (
            "is not null",
            f.score().is_not_null(),
            Box::new(|p: &Person| p.score.is_some()),
        ),
        (
            "option eq",
            f.score().eq(7),
            Box::new(|p: &Person| p.score == Some(7)),
        ),
        (
            "option gt",
            f.score().gt(0),
            Box::new(|p: &Person| p.score.is_some_and(|s| s > 0)),
        ),
        (
            "true",
            f.active().is_true(),
            Box::new(|p: &Person| p.active),
        ),
        (
            "false",
            f.active().is_false(),
            Box::new(|p: &Person| !p.active),
        ),
        (
            "like",
            f.name().like("a%"),
            Box::new(|p: &Person| p.name.starts_with('a')),
        ),
        (
            "like _",
            f.name().like("_nn%"),
            Box::new(|p: &Person| p.name.chars().skip(1).take(2).collect::<String>() == "nn"),
        ),
        (
            "not like",
            f.name().not_like("%e"),
            Box::new(|p: &Person| !p.name.ends_with('e')),
        ),
        (
            "starts_with %",
            f.name().starts_with("50%"),
            Box::new(|p: &Person| p.name.starts_with("50%")),
        ),
        (
            "starts_with _ literal",
            f.name().starts_with("a_"),
            Box::new(|p: &Person| p.name.starts_with("a_")),
        ),
        (
            "ends_with",
            f.name().ends_with("ë"),
            Box::new(|p: &Person| p.name.ends_with('ë')),
        ),
        (
            "contains %",
            f.nick().contains("%"),
            Box::new(|p: &Person| p.nick.as_deref().is_some_and(|n| n.contains('%'))),
        ),
        (
            "contains _",
            f.name().contains("_"),
            Box::new(|p: &Person| p.name.contains('_')),
        ),
        (
            "eq ignore_case",
            f.name().ignore_case().eq("ANN"),
            Box::new(move |p: &Person| lower(&p.name) == "ann"),
        ),
        (
            "eq ignore_case non-ASCII",
            f.name().ignore_case().eq("Émile"),
            Box::new(move |p: &Person| lower(&p.name) == "émile"),
        ),
        (
            "ne ignore_case",
            f.name().ignore_case().ne("émile"),
            Box::new(move |p: &Person| lower(&p.name) != "émile"),
        ),
        (
            "starts_with ignore_case",
            f.name().ignore_case().starts_with("AN"),
            Box::new(move |p: &Person| lower(&p.name).starts_with("an")),
        ),
        (
            "contains ignore_case non-ASCII",
            f.name().ignore_case().contains("MIL"),
            Box::new(move |p: &Person| lower(&p.name).contains("mil")),
        ),
        (
            "ends_with ignore_case option",
            f.nick().ignore_case().ends_with("IE"),
            Box::new(move |p: &Person| p.nick.as_deref().is_some_and(|n| lower(n).ends_with("ie"))),
        ),
        (
            "and",
            f.active().is_true().and(f.age().gt(35)),
            Box::new(|p: &Person| p.active && p.age > 35),
        ),
        (
            "or",
            f.age().lt(20).or(f.age().gt(60)),
            Box::new(|p: &Person| p.age < 20 || p.age > 60),
        ),
        (
            "not",
            f.active().is_true().not(),
            Box::new(|p: &Person| !p.active),
        ),
        (
            "not over NULL",
            !f.score().gt(5),
            Box::new(|p: &Person| p.score.is_some_and(|s| s <= 5)),
        ),
        (
            "nested",
            f.active()
                .is_true()
                .and(f.nick().is_null().or(f.age().between(30, 45)))
                .or(f.name().eq("anna")),
            Box::new(|p: &Person| {
                (p.active && (p.nick.is_none() || (30..=45).contains(&p.age))) || p.name == "anna"
            }),
        ),
        ("all", Spec::all(), Box::new(|_: &Person| true)),
        (
            "all and",
            Spec::all().and(f.age().lt(30)),
            Box::new(|p: &Person| p.age < 30),
        ),
        (
            "all or",
            f.age().lt(30).or(Spec::all()),
            Box::new(|_: &Person| true),
        ),
        ("not all", Spec::all().not(), Box::new(|_: &Person| false)),
        (
            "to-one path",
            f.team().name().eq("Red"),
            Box::new(|p: &Person| team_name(p) == Some("Red")),
        ),
        (
            "to-one path non-ASCII ignore_case",
            f.team().name().ignore_case().eq("GRÜN"),
            Box::new(|p: &Person| team_name(p) == Some("Grün")),
        ),
        (
            "to-one path not",
            !f.team().name().eq("Red"),
            Box::new(|p: &Person| p.team.is_some() && team_name(p) != Some("Red")),
        ),
    ]
}

db_test!(
    async fn every_predicate_and_combinator_matches_the_oracle(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = ctx.repository::<Person>().unwrap();
        let all = people();
        for (name, spec, oracle) in cases() {
            let expected: Vec<i64> = all.iter().filter(|p| oracle(p)).map(|p| p.id).collect();
            let found = repo
                .find_all_by(spec.clone())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(ids(&found), expected, "{name} on {:?}", db.backend());
            assert_eq!(
                repo.count_by_spec(spec.clone()).await.unwrap(),
                expected.len() as u64,
                "{name}: count"
            );
            assert_eq!(
                repo.exists_by_spec(spec).await.unwrap(),
                !expected.is_empty(),
                "{name}: exists"
            );
        }
        // Through a declared repository (a trait object), with a to-many path.
        let declared: Box<dyn PersonRepository> = Box::new(PersonRepositoryImpl::new(ds.clone()));
        let reds = declared
            .find_all_by(Person::fields().team().name().eq("Red"))
            .await
            .unwrap();
        assert_eq!(ids(&reds), vec![1, 2, 6]);
        let teams = ctx.repository::<Team>().unwrap();
        let with_young = teams
            .find_all_by(Team::fields().members().age().lt(26))
            .await
            .unwrap();
        let mut team_ids: Vec<i64> = with_young.iter().map(|t| t.id).collect();
        team_ids.sort_unstable();
        assert_eq!(
            team_ids,
            vec![1],
            "anna (25) is Red's; ÉMILE (19) has no team; each team once"
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn sorting_paging_and_single_results(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let repo = ctx.repository::<Person>().unwrap();
        let f = Person::fields();
        let active = f.active().is_true();
        let sorted = repo
            .find_all_sorted_by(active.clone(), Sort::desc("age"))
            .await
            .unwrap();
        let ages: Vec<i32> = sorted.iter().map(|p| p.age).collect();
        assert_eq!(ages, vec![61, 45, 40, 33, 31, 19]);
        let page = repo
            .find_page_by(active.clone(), Pageable::of(1, 4).sorted(Sort::asc("age")))
            .await
            .unwrap();
        assert_eq!(page.total_elements, 6);
        assert_eq!(page.total_pages, 2);
        assert_eq!(
            page.content.iter().map(|p| p.age).collect::<Vec<_>>(),
            vec![45, 61]
        );
        // Sorted by a to-one path.
        let by_team = repo
            .find_all_sorted_by(
                f.team().name().eq("Blue"),
                Sort::asc("team.name").and_desc("age"),
            )
            .await
            .unwrap();
        assert_eq!(by_team.iter().map(|p| p.id).collect::<Vec<_>>(), vec![5, 3]);

        assert_eq!(
            repo.find_one_by(f.name().eq("carl"))
                .await
                .unwrap()
                .map(|p| p.id),
            Some(9)
        );
        assert_eq!(repo.find_one_by(f.name().eq("nobody")).await.unwrap(), None);
        let err = repo.find_one_by(active.clone()).await.unwrap_err();
        assert!(
            matches!(
                err,
                DataError::IncorrectResultSize {
                    expected: 1,
                    actual: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = repo
            .find_page_by(active, Pageable::of(0, 0))
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        // A bad sort property is a typed error, before any statement.
        let err = repo
            .find_all_sorted_by(Spec::all(), Sort::asc("nope"))
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::UnknownProperty { .. }), "{err:?}");
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn deletes_are_bulk_and_soft_and_reads_see_live_rows(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = ctx.repository::<Person>().unwrap();
        let f = Person::fields();
        let deleted = repo.delete_by_spec(f.age().gt(50)).await.unwrap();
        assert_eq!(deleted, 2, "émile and Zoë");
        assert_eq!(
            repo.delete_by_spec(f.age().gt(50)).await.unwrap(),
            0,
            "already deleted"
        );
        let stored: i64 = ds
            .sql("SELECT COUNT(*) FROM sp_people")
            .fetch_one()
            .await
            .unwrap();
        assert_eq!(stored, 9, "soft: the rows stay");
        assert_eq!(repo.count_by_spec(Spec::all()).await.unwrap(), 7);
        assert!(!repo.exists_by_spec(f.name().eq("Zoë")).await.unwrap());
        assert_eq!(
            repo.with_deleted()
                .count_by_spec(f.age().gt(50))
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            ids(&repo.only_deleted().find_all_by(Spec::all()).await.unwrap()),
            vec![5, 8]
        );
        // In the caller's transaction: a rollback brings them back.
        let tm = ctx.transaction_manager("default").unwrap();
        let r: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                assert_eq!(repo.delete_by_spec(Spec::all()).await?, 7);
                assert_eq!(repo.count_by_spec(Spec::all()).await?, 0);
                Err(DataError::InvalidArgument("undo".into()))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(repo.count_by_spec(Spec::all()).await.unwrap(), 7);
        ctx.shutdown().await.unwrap();
    }
);

/// Versioned, stamped, audited and cached: what a bulk update must keep right.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sp_tickets", cache = "sp_tickets")]
pub struct Ticket {
    #[id]
    pub id: i64,
    pub status: String,
    pub note: Option<String>,
    #[version]
    pub version: i64,
    #[updated_at]
    pub updated_at: DateTime<Utc>,
    #[last_modified_by]
    pub modified_by: String,
}

db_test!(
    async fn update_by_spec_bumps_versions_stamps_and_evicts(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        ds.execute_script(&format!(
            "CREATE TABLE sp_tickets (id BIGINT PRIMARY KEY, status VARCHAR(20) NOT NULL, note VARCHAR(50) NULL, \
             version BIGINT NOT NULL, updated_at {} NOT NULL, modified_by VARCHAR(20) NOT NULL)",
            db.timestamp()
        ))
        .await
        .unwrap();
        let tickets = ctx.repository::<Ticket>().unwrap();
        let saved = tickets
            .save_all(
                (1..=4)
                    .map(|id| Ticket {
                        id,
                        status: if id % 2 == 0 { "open" } else { "done" }.into(),
                        note: Some(format!("n{id}")),
                        version: 0,
                        updated_at: Utc::now(),
                        modified_by: "seed".into(),
                    })
                    .collect(),
            )
            .await
            .unwrap();
        assert_eq!(tickets.find_by_id(2).await.unwrap().unwrap(), saved[1]); // cached now
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let f = Ticket::fields();
        let changed = tickets
            .update_by_spec(
                f.status().eq("open"),
                Update::new().set(f.status(), "closed").set_null(f.note()),
            )
            .await
            .unwrap();
        assert_eq!(changed, 2);
        let two = tickets.find_by_id(2).await.unwrap().unwrap();
        assert_eq!(
            (two.status.as_str(), two.note.as_deref(), two.version),
            ("closed", None, 2)
        );
        assert!(two.updated_at > saved[1].updated_at, "stamped");
        assert_eq!(
            two.modified_by, "seed",
            "nobody acting keeps a required auditor"
        );
        let one = tickets.find_by_id(1).await.unwrap().unwrap();
        assert_eq!(one, saved[0], "not matched, not touched");
        // A stale copy of an updated row now fails its optimistic check.
        let err = tickets.save(saved[1].clone()).await.unwrap_err();
        assert!(matches!(err, DataError::OptimisticLock { .. }), "{err:?}");

        // Bad assignments are typed errors, before any statement.
        let before = ds.statements_executed();
        for update in [
            Update::new(),
            Update::new().set(f.id(), 9),
            Update::new().set(f.version(), 9),
        ] {
            let err = tickets
                .update_by_spec(Spec::all(), update)
                .await
                .unwrap_err();
            assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        }
        let people = ctx.repository::<Person>().unwrap();
        let p = Person::fields();
        let err = people
            .update_by_spec(Spec::all(), Update::new().set(p.team().name(), "x"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DataError::InvalidArgument(ref m) if m.contains("team.name")),
            "{err:?}"
        );
        assert_eq!(ds.statements_executed(), before);

        // A soft-deleting entity: only live rows change.
        people.delete_by_id(9).await.unwrap();
        let n = people
            .update_by_spec(p.age().gt(40), Update::new().set(p.nick(), "senior"))
            .await
            .unwrap();
        assert_eq!(n, 2, "émile and Zoë; carl (45) is deleted");
        let carl = people.with_deleted().find_by_id(9).await.unwrap().unwrap();
        assert_eq!(carl.nick, None);
        // Fetch plans apply to specifications.
        let teams = ctx.repository::<Team>().unwrap();
        let red = teams
            .fetching(["members"])
            .find_one_by(Team::fields().name().eq("Red"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            red.members
                .get()
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>(),
            vec![1, 2, 6]
        );
        ctx.shutdown().await.unwrap();
    }
);

/// Scrolls `spec` by `sort` to the end in windows of `size`, calling `between` after each
/// window (and giving the position through a token, as a client would); returns the ids seen.
async fn scroll_all(
    repo: &Repository<Person>,
    spec: Spec<Person>,
    sort: Sort,
    start: ScrollPosition,
    size: u64,
    mut between: impl FnMut(usize) -> Option<Person>,
) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut position = start;
    for round in 0.. {
        let window = repo
            .scroll_by(spec.clone(), sort.clone(), position, size)
            .await
            .unwrap();
        assert!(window.content.len() as u64 <= size);
        seen.extend(window.content.iter().map(|p| p.id));
        if let Some(p) = between(round) {
            repo.save(p).await.unwrap();
        }
        match window.position_after_last() {
            Some(next) if window.has_next() => {
                position = ScrollPosition::from_token(&next.to_token()).unwrap();
            }
            _ => break,
        }
    }
    seen
}

fn person(id: i64, name: &str, age: i32) -> Person {
    Person {
        id,
        name: name.into(),
        nick: None,
        age,
        score: None,
        active: true,
        team: None,
        deleted_at: None,
    }
}

db_test!(
    async fn keyset_scrolling_neither_loses_nor_repeats_rows_while_rows_arrive(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let repo = ctx.repository::<Person>().unwrap();
        // 60 more rows, many sharing an age (ties broken by the id).
        let extra: Vec<Person> = (100..160)
            .map(|id| person(id, &format!("p{id}"), 20 + (id as i32 % 5)))
            .collect();
        repo.save_all(extra).await.unwrap();
        let originals: Vec<i64> = {
            let mut all = ids(&repo.find_all().await.unwrap());
            all.sort_unstable();
            all
        };
        let sort = Sort::desc("age").and_asc("name");
        // Between windows, rows arrive both before and after the position.
        let mut next_id = 1000;
        let mut arrive = |round: usize| {
            next_id += 1;
            let age = if round.is_multiple_of(2) { 99 } else { 1 }; // first / last in the order
            Some(person(next_id, &format!("new{next_id}"), age))
        };
        let seen = scroll_all(
            &repo,
            Spec::all(),
            sort.clone(),
            ScrollPosition::keyset(),
            7,
            &mut arrive,
        )
        .await;
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no row twice: {seen:?}");
        for id in &originals {
            assert!(seen.contains(id), "row {id} lost");
        }
        // Arrivals at the end of the order are picked up, those before the position are not.
        assert!(seen.iter().any(|id| *id > 1000));

        // Offset scrolling under the same arrivals repeats rows: the difference keysets make.
        let mut next_id = 2000;
        let mut arrive = |_: usize| {
            next_id += 1;
            Some(person(next_id, &format!("new{next_id}"), 99))
        };
        let seen = scroll_all(
            &repo,
            Spec::all(),
            sort.clone(),
            ScrollPosition::offset(),
            7,
            &mut arrive,
        )
        .await;
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert!(
            unique.len() < seen.len(),
            "offsets shift when rows arrive in front"
        );

        // A filtered, ascending scroll equals the plain query's order.
        let f = Person::fields();
        let spec = f.active().is_true();
        let scrolled = scroll_all(
            &repo,
            spec.clone(),
            Sort::asc("name"),
            ScrollPosition::keyset(),
            4,
            |_| None,
        )
        .await;
        let listed: Vec<i64> = repo
            .find_all_sorted_by(spec, Sort::asc("name").and_asc("id"))
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(scrolled, listed);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn scroll_positions_are_checked(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let repo = ctx.repository::<Person>().unwrap();
        let err = ScrollPosition::from_token("not a token!").unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        let window = repo
            .scroll_by(Spec::all(), Sort::asc("name"), ScrollPosition::keyset(), 2)
            .await
            .unwrap();
        let position = window.position_after_last().unwrap();
        let token = position.to_token();
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token}"
        );
        // A position of another sort: a typed error.
        let err = repo
            .scroll_by(
                Spec::all(),
                Sort::asc("name").and_asc("age"),
                position.clone(),
                2,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        let err = repo
            .scroll_by(Spec::all(), Sort::asc("age"), position, 2)
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        // NULL keys and paths cannot be keyset keys; size 0 is refused.
        let err = repo
            .scroll_by(
                Person::fields().nick().is_null(),
                Sort::asc("nick"),
                ScrollPosition::keyset(),
                2,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, DataError::InvalidArgument(ref m) if m.contains("NULL")),
            "{err:?}"
        );
        let err = repo
            .scroll_by(
                Spec::all(),
                Sort::asc("team.name"),
                ScrollPosition::keyset(),
                2,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        let err = repo
            .scroll_by(Spec::all(), Sort::unsorted(), ScrollPosition::keyset(), 0)
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
        // The last window says so, and an empty one has no position.
        let all = repo
            .scroll_by(Spec::all(), Sort::unsorted(), ScrollPosition::keyset(), 100)
            .await
            .unwrap();
        assert_eq!((all.content.len(), all.has_next()), (9, false));
        let none = repo
            .scroll_by(
                Person::fields().age().gt(1000),
                Sort::unsorted(),
                ScrollPosition::offset(),
                5,
            )
            .await
            .unwrap();
        assert!(none.is_empty() && none.position_after_last().is_none());
        ctx.shutdown().await.unwrap();
    }
);

#[repository]
pub trait ScrollingRepository: CrudRepository<Person> {
    async fn find_first_3_by_active_order_by_age_desc(
        &self,
        active: bool,
        position: ScrollPosition,
    ) -> DataResult<Window<Person>>;
    async fn find_top_2_by_age_greater_than_or_name_ignore_case(
        &self,
        age: i32,
        name: &str,
        sort: Sort,
        position: ScrollPosition,
    ) -> DataResult<Window<Person>>;
    #[fetch("team")]
    async fn find_by_team_is_not_null(
        &self,
        position: ScrollPosition,
    ) -> DataResult<Window<Person>>;
}

db_test!(
    async fn derived_queries_scroll_by_keyset_and_offset(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = ScrollingRepositoryImpl::new(ds.clone());
        let mut seen = Vec::new();
        let mut position = ScrollPosition::keyset();
        loop {
            let window = repo
                .find_first_3_by_active_order_by_age_desc(true, position)
                .await
                .unwrap();
            seen.extend(window.content.iter().map(|p| p.age));
            match window.position_after_last() {
                Some(next) if window.has_next() => position = next,
                _ => break,
            }
        }
        assert_eq!(seen, vec![61, 45, 40, 33, 31, 19]);
        // OR groups, a dynamic sort, offsets.
        let mut names = Vec::new();
        let mut position = ScrollPosition::offset();
        loop {
            let window = repo
                .find_top_2_by_age_greater_than_or_name_ignore_case(
                    44,
                    "ANN",
                    Sort::asc("name"),
                    position,
                )
                .await
                .unwrap();
            names.extend(window.content.iter().map(|p| p.name.clone()));
            match window.position_after_last() {
                Some(next) if window.has_next() => position = next,
                _ => break,
            }
        }
        let mut expected = vec!["Ann", "Zoë", "carl", "émile"];
        expected.sort_unstable();
        let mut got: Vec<&str> = names.iter().map(String::as_str).collect();
        got.sort_unstable();
        assert_eq!(got, expected);
        // The same by keyset, with the OR inside the keyset condition's AND.
        let first = repo
            .find_top_2_by_age_greater_than_or_name_ignore_case(
                44,
                "ANN",
                Sort::asc("age"),
                ScrollPosition::keyset(),
            )
            .await
            .unwrap();
        let ages: Vec<i32> = first.content.iter().map(|p| p.age).collect();
        assert_eq!(ages, vec![31, 45]);
        let second = repo
            .find_top_2_by_age_greater_than_or_name_ignore_case(
                44,
                "ANN",
                Sort::asc("age"),
                first.position_after_last().unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            second.content.iter().map(|p| p.age).collect::<Vec<_>>(),
            vec![52, 61]
        );
        assert!(!second.has_next());
        // Without first/top: the whole rest in one window; #[fetch] loads its associations.
        let all = repo
            .find_by_team_is_not_null(ScrollPosition::keyset())
            .await
            .unwrap();
        assert_eq!(all.content.len(), 7);
        assert!(!all.has_next());
        assert!(
            all.content
                .iter()
                .all(|p| p.team.as_ref().is_some_and(|t| t.is_loaded()))
        );
        ctx.shutdown().await.unwrap();
    }
);

/// A probe: everything left out but what a test sets (`age` and `active` always hold a value,
/// as Java's primitives do, so the matchers below leave them out).
fn probe(name: &str, nick: Option<&str>) -> Person {
    Person {
        id: 0,
        name: name.into(),
        nick: nick.map(Into::into),
        age: 0,
        score: None,
        active: false,
        team: None,
        deleted_at: None,
    }
}

db_test!(
    async fn query_by_example_follows_spring_s_matcher(db: TestDatabase) {
        use framework_data::query::{Example, ExampleMatcher, PropertyMatcher, StringMatcher};
        let (ctx, ds) = start(&db).await;
        let repo = ctx.repository::<Person>().unwrap();
        let all = people();
        let base = || ExampleMatcher::matching_all().with_ignore_paths(["id", "age", "active"]);
        let lower = |s: &str| s.to_lowercase();
        let cases: Vec<(&str, Example<Person>, Oracle)> = vec![
            (
                "exact",
                Example::matching(probe("Bob", None), base()),
                Box::new(|p: &Person| p.name == "Bob"),
            ),
            (
                "exact, two fields",
                Example::matching(probe("Ann", Some("annie")), base()),
                Box::new(|p: &Person| p.name == "Ann" && p.nick.as_deref() == Some("annie")),
            ),
            (
                "null values included",
                Example::matching(probe("anna", None), base().with_include_null_values()),
                Box::new(|p: &Person| {
                    p.name == "anna" && p.nick.is_none() && p.score.is_none() && p.team.is_none()
                }),
            ),
            (
                "ignore case",
                Example::matching(
                    probe("émile", None),
                    base().with_ignore_case(Vec::<String>::new()),
                ),
                Box::new(move |p: &Person| lower(&p.name) == "émile"),
            ),
            (
                "starting, literal %",
                Example::matching(
                    probe("50%", None),
                    base().with_string_matcher(StringMatcher::Starting),
                ),
                Box::new(|p: &Person| p.name.starts_with("50%")),
            ),
            (
                "ending",
                Example::matching(
                    probe("e", None),
                    base().with_string_matcher(StringMatcher::Ending),
                ),
                Box::new(|p: &Person| p.name.ends_with('e')),
            ),
            (
                "containing, ignore case on one path",
                Example::matching(
                    probe("MIL", None),
                    base()
                        .with_string_matcher(StringMatcher::Containing)
                        .with_ignore_case(["name"]),
                ),
                Box::new(move |p: &Person| lower(&p.name).contains("mil")),
            ),
            (
                "per-path matcher",
                Example::matching(
                    probe("a", Some("ANNIE")),
                    base()
                        .with_matcher("name", PropertyMatcher::starts_with())
                        .with_matcher("nick", PropertyMatcher::exact().ignore_case()),
                ),
                Box::new(move |p: &Person| {
                    p.name.starts_with('a')
                        && p.nick.as_deref().map(lower).as_deref() == Some("annie")
                }),
            ),
            (
                "matching any",
                Example::matching(
                    probe("Bob", Some("zoe")),
                    ExampleMatcher::matching_any().with_ignore_paths(["id", "age", "active"]),
                ),
                Box::new(|p: &Person| p.name == "Bob" || p.nick.as_deref() == Some("zoe")),
            ),
            (
                "numbers count unless ignored",
                Example::matching(
                    Person {
                        age: 33,
                        active: true,
                        ..probe("", None)
                    },
                    ExampleMatcher::matching_all().with_ignore_paths(["id", "name"]),
                ),
                Box::new(|p: &Person| p.age == 33 && p.active),
            ),
            (
                "a reference",
                Example::matching(
                    Person {
                        team: Some(Ref::to(3)),
                        ..probe("", None)
                    },
                    base().with_ignore_paths(["name"]),
                ),
                Box::new(|p: &Person| p.team.as_ref().map(|t| *t.id()) == Some(3)),
            ),
            (
                "nothing set matches all",
                Example::matching(probe("", None), base().with_ignore_paths(["name"])),
                Box::new(|_: &Person| true),
            ),
        ];
        for (name, example, oracle) in cases {
            let expected: Vec<i64> = all.iter().filter(|p| oracle(p)).map(|p| p.id).collect();
            let found = repo
                .find_all_by(example.clone())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(ids(&found), expected, "{name} on {:?}", db.backend());
            assert_eq!(
                repo.count_by_spec(example).await.unwrap(),
                expected.len() as u64,
                "{name}"
            );
        }
        // The id counts when set; an example combines with a specification; a declared
        // repository takes it as a Spec.
        let mut by_id = probe("Bob", None);
        by_id.id = 3;
        let only = ExampleMatcher::matching_all().with_ignore_paths(["age", "active"]);
        assert_eq!(
            ids(&repo
                .find_all_by(Example::matching(by_id.clone(), only.clone()))
                .await
                .unwrap()),
            vec![3]
        );
        by_id.id = 4;
        assert_eq!(
            repo.find_all_by(Example::matching(by_id, only))
                .await
                .unwrap(),
            vec![]
        );
        let f = Person::fields();
        let spec = Example::matching(
            probe("a", None),
            base().with_string_matcher(StringMatcher::Starting),
        )
        .to_spec()
        .and(f.age().gt(26));
        assert_eq!(ids(&repo.find_all_by(spec).await.unwrap()), vec![7]);
        let declared: Box<dyn PersonRepository> = Box::new(PersonRepositoryImpl::new(ds.clone()));
        let found = declared
            .find_all_by(Example::matching(probe("carl", None), base()).into())
            .await
            .unwrap();
        assert_eq!(ids(&found), vec![9]);
        ctx.shutdown().await.unwrap();
    }
);
