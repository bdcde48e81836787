//! Typed selects (`Select::of(..)` run by `fetch_select`) on every database, checked against a
//! Rust oracle over seeded rows with NULLs: aggregates (count, count distinct, sum, avg, min,
//! max), group_by/having, joins along association paths (to-one inner, to-many left, soft-
//! deleted children left out), distinct, limit/offset, projections by alias, subqueries
//! (`in_select`, `not_in_select`, `exists`, `any` through an association), grouping mistakes
//! as typed errors before any statement, and the query cache.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;

use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sl_teams")]
pub struct Team {
    #[id]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "team", order_by = "id asc")]
    pub members: Related<Vec<Member>>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sl_members")]
pub struct Member {
    #[id]
    pub id: i64,
    pub name: String,
    pub age: i32,
    pub score: Option<i64>,
    pub rating: f64,
    pub active: bool,
    #[many_to_one(column = "team_id")]
    pub team: Option<Ref<Team>>,
    #[soft_delete]
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sl_banned")]
pub struct Banned {
    #[id]
    pub id: i64,
    pub name: String,
}

/// id, name, age, score, rating, active, team
type Row = (i64, &'static str, i32, Option<i64>, f64, bool, Option<i64>);

const ROWS: &[Row] = &[
    (1, "Ann", 31, Some(10), 4.5, true, Some(1)),
    (2, "anna", 25, None, 3.0, false, Some(1)),
    (3, "Bob", 40, Some(-5), 2.5, true, Some(2)),
    (4, "Émile", 19, Some(0), 5.0, true, None),
    (5, "émile", 52, Some(7), 1.0, false, Some(2)),
    (6, "Cleo", 33, None, 4.0, true, Some(1)),
    (7, "Dan", 28, Some(3), 3.5, false, None),
    (8, "Zoë", 61, Some(12), 4.75, true, Some(3)),
    (9, "carl", 45, Some(1), 2.0, false, Some(3)),
    (10, "Ann", 29, Some(4), 3.25, true, Some(3)),
];

/// Team 4 has no members; member 11 of team 3 is soft-deleted below.
const TEAMS: &[(i64, &str)] = &[(1, "Red"), (2, "Blue"), (3, "Grün"), (4, "Empty")];

fn members() -> Vec<Member> {
    ROWS.iter()
        .map(|(id, name, age, score, rating, active, team)| Member {
            id: *id,
            name: (*name).into(),
            age: *age,
            score: *score,
            rating: *rating,
            active: *active,
            team: team.map(Ref::to),
            deleted_at: None,
        })
        .collect()
}

fn team_name(id: i64) -> &'static str {
    TEAMS
        .iter()
        .find(|(t, _)| *t == id)
        .map(|(_, n)| *n)
        .unwrap()
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let text = match db.backend() {
        Backend::MySql => "VARCHAR(50) COLLATE utf8mb4_bin",
        _ => "VARCHAR(50)",
    };
    let ts = db.timestamp();
    for ddl in [
        format!("CREATE TABLE sl_teams (id BIGINT PRIMARY KEY, name {text} NOT NULL)"),
        format!(
            "CREATE TABLE sl_members (id BIGINT PRIMARY KEY, name {text} NOT NULL, age INTEGER NOT NULL, \
             score BIGINT NULL, rating DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL, \
             team_id BIGINT NULL, deleted_at {ts} NULL)"
        ),
        format!("CREATE TABLE sl_banned (id BIGINT PRIMARY KEY, name {text} NOT NULL)"),
    ] {
        ds.execute_script(&ddl).await.unwrap();
    }
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
    let repo = ctx.repository::<Member>().unwrap();
    repo.save_all(members()).await.unwrap();
    // A soft-deleted member: no select, join or subquery sees it.
    let gone = Member {
        id: 11,
        name: "Gone".into(),
        age: 99,
        score: Some(1000),
        rating: 0.0,
        active: true,
        team: Some(Ref::to(3)),
        deleted_at: None,
    };
    repo.save(gone.clone()).await.unwrap();
    repo.delete(gone).await.unwrap();
    ctx.repository::<Banned>()
        .unwrap()
        .save(Banned {
            id: 1,
            name: "Bob".into(),
        })
        .await
        .unwrap();
    (ctx, ds)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

db_test!(
    async fn grouped_aggregates_match_the_oracle(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let repo = ctx.repository::<Member>().unwrap();
        let f = Member::fields();

        // Per team name (an inner join along `team`: members without a team are left out).
        let q = Select::of((
            f.team().name(),
            Expr::count_all(),
            f.score().count(),
            f.score().sum(),
            f.age().avg(),
            f.age().min(),
            f.name().max(),
            f.rating().sum(),
        ))
        .group_by(f.team().name())
        .order_by_asc(f.team().name());
        let rows = repo.fetch_select(&q).await.unwrap();

        type Agg = (i64, i64, Option<i64>, Vec<i32>, Vec<String>, f64);
        let mut oracle: BTreeMap<&str, Agg> = BTreeMap::new();
        for (_, name, age, score, rating, _, team) in ROWS {
            let Some(team) = team else { continue };
            let e = oracle
                .entry(team_name(*team))
                .or_insert((0, 0, None, vec![], vec![], 0.0));
            e.0 += 1;
            if let Some(s) = score {
                e.1 += 1;
                e.2 = Some(e.2.unwrap_or(0) + s);
            }
            e.3.push(*age);
            e.4.push((*name).to_owned());
            e.5 += rating;
        }
        assert_eq!(rows.len(), oracle.len(), "{rows:?}");
        for ((team, all, counted, sum, avg, min, max, rating), (o_team, o)) in
            rows.iter().zip(&oracle)
        {
            assert_eq!(team, o_team);
            assert_eq!((*all, *counted, *sum), (o.0, o.1, o.2), "{team}");
            let o_avg = o.3.iter().map(|a| f64::from(*a)).sum::<f64>() / o.3.len() as f64;
            assert!(close(avg.unwrap(), o_avg), "{team}: {avg:?} vs {o_avg}");
            assert_eq!(*min, o.3.iter().min().copied());
            assert_eq!(
                max.as_deref(),
                o.4.iter().max().map(String::as_str),
                "{team}"
            );
            assert!(close(rating.unwrap(), o.5), "{team}");
        }

        // HAVING over aggregates, WHERE before grouping, sorting by an aggregate.
        let q = Select::of((f.active(), f.id().count(), f.score().sum()))
            .filter(f.age().ge(25))
            .group_by(f.active())
            .having(
                f.id()
                    .count()
                    .ge(2)
                    .and(f.score().sum().gt(0).or(f.score().sum().is_null())),
            )
            .order_by_desc(f.id().count());
        let rows = repo.fetch_select(&q).await.unwrap();
        let mut expected: Vec<(bool, i64, Option<i64>)> = [true, false]
            .into_iter()
            .map(|active| {
                let group: Vec<&Row> = ROWS.iter().filter(|r| r.5 == active && r.2 >= 25).collect();
                let scores: Vec<i64> = group.iter().filter_map(|r| r.3).collect();
                let sum = (!scores.is_empty()).then(|| scores.iter().sum());
                (active, group.len() as i64, sum)
            })
            .filter(|(_, n, sum)| *n >= 2 && sum.is_none_or(|s| s > 0))
            .collect();
        expected.sort_by_key(|(_, n, _)| -n);
        assert_eq!(rows, expected);

        // No group at all: one row over every live member (the soft-deleted one left out).
        let totals: Vec<(i64, Option<i64>, Option<i32>)> = repo
            .fetch_select(&Select::of((
                Expr::count_all(),
                f.score().sum(),
                f.age().max(),
            )))
            .await
            .unwrap();
        let sum: i64 = ROWS.iter().filter_map(|r| r.3).sum();
        assert_eq!(totals, vec![(ROWS.len() as i64, Some(sum), Some(61))]);
        // Over no row: COUNT is 0, SUM and MAX are NULL.
        let empty = repo
            .fetch_select(
                &Select::of((Expr::count_all(), f.score().sum(), f.age().max()))
                    .filter(f.age().gt(1000)),
            )
            .await
            .unwrap();
        assert_eq!(empty, vec![(0, None, None)]);
        ctx.shutdown().await.unwrap();
    }
);

#[derive(Projection, Debug, Clone, PartialEq)]
pub struct TeamStats {
    pub name: String,
    pub members: i64,
    pub oldest: Option<i32>,
}

db_test!(
    async fn to_many_joins_projections_distinct_and_limits(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let teams = ctx.repository::<Team>().unwrap();
        let t = Team::fields();
        // A left join along `members`: the empty team has its group, with 0 members; the
        // soft-deleted member (99 years old) counts nowhere.
        let q = Select::of((
            t.name(),
            t.members().id().count().as_("members"),
            t.members().age().max().as_("oldest"),
        ))
        .group_by(t.name())
        .order_by_desc(t.members().id().count())
        .order_by_asc(t.name());
        let stats: Vec<TeamStats> = teams.fetch_select_as(&q).await.unwrap();
        let stat = |name: &str, members: i64, oldest: Option<i32>| TeamStats {
            name: name.into(),
            members,
            oldest,
        };
        assert_eq!(
            stats,
            vec![
                stat("Grün", 3, Some(61)),
                stat("Red", 3, Some(33)),
                stat("Blue", 2, Some(52)),
                stat("Empty", 0, None),
            ]
        );

        let members = ctx.repository::<Member>().unwrap();
        let f = Member::fields();
        // DISTINCT names, sorted; a limit and an offset.
        // (Sorted here: PostgreSQL's collation need not be byte order.)
        let mut names: Vec<String> = members
            .fetch_select(&Select::of(f.name()).distinct())
            .await
            .unwrap();
        names.sort();
        let mut expected: Vec<String> = ROWS.iter().map(|r| r.1.to_owned()).collect();
        expected.sort();
        expected.dedup();
        assert_eq!(names, expected, "the two Anns once");
        let page: Vec<(i64, String)> = members
            .fetch_select(
                &Select::of((f.id(), f.name()))
                    .order_by_asc(f.id())
                    .limit(3)
                    .offset(2),
            )
            .await
            .unwrap();
        assert_eq!(
            page,
            vec![(3, "Bob".into()), (4, "Émile".into()), (5, "émile".into())]
        );
        let tail: Vec<i64> = members
            .fetch_select(&Select::of(f.id()).order_by_asc(f.id()).offset(8))
            .await
            .unwrap();
        assert_eq!(tail, vec![9, 10], "an offset without a limit");
        // Members with their team's name (inner join: the team-less are left out), by alias.
        let with_team: Vec<(String, String)> = members
            .fetch_select(
                &Select::of((f.name(), f.team().name()))
                    .filter(f.age().gt(44))
                    .order_by_asc(f.age()),
            )
            .await
            .unwrap();
        assert_eq!(
            with_team,
            vec![
                ("carl".into(), "Grün".into()),
                ("émile".into(), "Blue".into()),
                ("Zoë".into(), "Grün".into())
            ]
        );
        // The soft-deleted member is there for a repository that sees deleted rows.
        let all: Vec<i64> = members
            .with_deleted()
            .fetch_select(&Select::of(Expr::count_all()))
            .await
            .unwrap();
        assert_eq!(all, vec![ROWS.len() as i64 + 1]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn subqueries_in_exists_and_any(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let teams = ctx.repository::<Team>().unwrap();
        let f = Member::fields();
        let b = Banned::fields();
        let sorted = |mut v: Vec<i64>| {
            v.sort_unstable();
            v
        };
        let ids = |found: Vec<Member>| sorted(found.iter().map(|m| m.id).collect());

        // IN / NOT IN a subquery of another entity.
        let banned = ids(members
            .find_all_by(f.name().in_select(Select::of(b.name())))
            .await
            .unwrap());
        assert_eq!(banned, vec![3]);
        let allowed = ids(members
            .find_all_by(f.name().not_in_select(Select::of(b.name())))
            .await
            .unwrap());
        assert_eq!(allowed.len(), ROWS.len() - 1);
        // A subquery of the same entity, with its own condition and aggregate: the oldest.
        let oldest = Select::of(f.age().max()).filter(f.active().is_true());
        let found = ids(members
            .find_all_by(f.age().in_select(oldest))
            .await
            .unwrap());
        assert_eq!(found, vec![8]);
        // Grouped subquery: members of a team with at least three members.
        let big = Select::of(f.team().id())
            .group_by(f.team().id())
            .having(Expr::count_all().ge(3));
        let in_big: Vec<i64> = members
            .fetch_select(
                &Select::of(f.id())
                    .filter(Spec::all().and(
                        // ids of members whose team is in the big ones: through the association.
                        f.team().id().in_select(big),
                    ))
                    .order_by_asc(f.id()),
            )
            .await
            .unwrap();
        let expected: Vec<i64> = ROWS
            .iter()
            .filter(|r| matches!(r.6, Some(1) | Some(3)))
            .map(|r| r.0)
            .collect();
        assert_eq!(in_big, expected);

        // EXISTS (uncorrelated): everything or nothing.
        let any_banned = Spec::exists(Select::of(b.id()).filter(b.name().eq("Bob")));
        assert_eq!(
            members.count_by_spec(any_banned).await.unwrap(),
            ROWS.len() as u64
        );
        let none = Spec::exists(Select::of(b.id()).filter(b.name().eq("Nobody")));
        assert_eq!(members.count_by_spec(none).await.unwrap(), 0);

        // `any`: one and the same member meets the whole condition, unlike two path leaves.
        let t = Team::fields();
        let team_ids = |found: Vec<Team>| sorted(found.iter().map(|t| t.id).collect());
        let same_member = teams
            .find_all_by(t.members().any(f.age().lt(30).and(f.active().is_false())))
            .await
            .unwrap();
        assert_eq!(team_ids(same_member), vec![1], "anna: 25 and inactive");
        let any_members = teams
            .find_all_by(
                t.members()
                    .age()
                    .lt(30)
                    .and(t.members().active().is_false()),
            )
            .await
            .unwrap();
        assert_eq!(
            team_ids(any_members),
            vec![1, 3],
            "Grün: Ann (29) is under 30 and carl is inactive, but no one member is both"
        );
        // The soft-deleted member (team 3, 99) is not anyone's.
        let old = teams
            .find_all_by(t.members().any(f.age().gt(90)))
            .await
            .unwrap();
        assert!(old.is_empty());
        // `not any`: teams with no member over 50 (the empty team included).
        let young = teams
            .find_all_by(t.members().any(f.age().gt(50)).not())
            .await
            .unwrap();
        assert_eq!(team_ids(young), vec![1, 4]);
        // `any` through a to-one association.
        let in_red = ids(members
            .find_all_by(f.team().any(t.name().eq("Red")))
            .await
            .unwrap());
        assert_eq!(in_red, vec![1, 2, 6]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn grouping_mistakes_are_typed_errors_before_any_statement(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = ctx.repository::<Member>().unwrap();
        let f = Member::fields();
        let before = ds.statements_executed();
        let stray = Select::of((f.name(), f.id().count())).group_by(f.active());
        let err = repo.fetch_select(&stray).await.unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err}");
        assert!(err.to_string().contains("`name`"), "{err}");
        let ungrouped_order = Select::of(f.id().count()).order_by_asc(f.name());
        let err = repo.fetch_select(&ungrouped_order).await.unwrap_err();
        assert!(err.to_string().contains("`name`"), "{err}");
        let ungrouped_having = Select::of(f.active())
            .group_by(f.active())
            .having(f.age().as_("age").gt(3));
        let err = repo.fetch_select(&ungrouped_having).await.unwrap_err();
        assert!(err.to_string().contains("`age`"), "{err}");
        assert_eq!(ds.statements_executed(), before, "nothing was sent");
        // Grouped by the same column, the query is fine.
        let ok = Select::of((f.name(), f.id().count())).group_by(f.name());
        assert_eq!(repo.fetch_select(&ok).await.unwrap().len(), 9);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn cached_selects_are_served_until_a_table_they_read_changes(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap().cacheable("reports");
        let f = Member::fields();
        let q = Select::of((f.team().name(), Expr::count_all()))
            .group_by(f.team().name())
            .order_by_asc(f.team().name());
        let first = members.fetch_select(&q).await.unwrap();
        let before = ds.statements_executed();
        assert_eq!(members.fetch_select(&q).await.unwrap(), first);
        assert_eq!(ds.statements_executed(), before, "a hit sends nothing");
        // The joined table changes: the next call reads again.
        let teams = ctx.repository::<Team>().unwrap();
        let mut red = teams.find_by_id(1).await.unwrap().unwrap();
        red.name = "Crimson".into();
        teams.save(red).await.unwrap();
        let fresh = members.fetch_select(&q).await.unwrap();
        assert!(
            fresh.iter().any(|(n, c)| n == "Crimson" && *c == 3),
            "{fresh:?}"
        );
        ctx.shutdown().await.unwrap();
    }
);
