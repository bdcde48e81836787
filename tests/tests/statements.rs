//! The escape hatch on every database: statements written with sea-query (aggregates with
//! GROUP BY/HAVING into a `#[derive(Projection)]` and tuples, a CTE, a window function, a
//! UNION, whole entities, a bulk write) run through a repository: the task's transaction,
//! bound values, mapped rows, the cache emptied by writes.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use framework_data::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Order, Query, UnionType, WindowStatement,
    WithClause,
};
use tests::{TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "st_sales", cache = "st_sales")]
pub struct Sale {
    #[id]
    pub id: i64,
    pub region: String,
    pub seller: String,
    pub amount: i64,
}

/// One row of a report: columns by name.
#[derive(Projection, Debug, PartialEq)]
pub struct RegionTotal {
    pub region: String,
    #[column(name = "total")]
    pub sum: i64,
    pub sales: i64,
}

#[derive(Projection, Debug, PartialEq)]
pub struct Ranked {
    pub seller: String,
    pub amount: i64,
    pub place: i64,
}

fn a(name: &str) -> Alias {
    Alias::new(name)
}

async fn start(db: &TestDatabase) -> (ApplicationContext, Repository<Sale>) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script("CREATE TABLE st_sales (id BIGINT PRIMARY KEY, region VARCHAR(20) NOT NULL, seller VARCHAR(20) NOT NULL, amount BIGINT NOT NULL)")
        .await
        .unwrap();
    let sales = ctx.repository::<Sale>().unwrap();
    let rows = [
        ("north", "ann", 100),
        ("north", "bob", 300),
        ("north", "ann", 50),
        ("south", "cid", 500),
        ("south", "dee", 20),
        ("east", "eve", 5),
    ];
    sales
        .save_all(
            rows.iter()
                .enumerate()
                .map(|(i, (region, seller, amount))| Sale {
                    id: i as i64 + 1,
                    region: (*region).into(),
                    seller: (*seller).into(),
                    amount: *amount,
                })
                .collect(),
        )
        .await
        .unwrap();
    (ctx, sales)
}

db_test!(
    async fn aggregates_group_by_and_having_map_to_projections_and_tuples(db: TestDatabase) {
        let (ctx, sales) = start(&db).await;
        // SUM's type differs per database (NUMERIC on PostgreSQL): cast to BIGINT in SQL.
        let mut typed = Query::select();
        typed
            .column(a("region"))
            .expr_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), a("total"))
            .expr_as(Expr::cust("CAST(COUNT(id) AS BIGINT)"), a("sales"))
            .from(a("st_sales"))
            .group_by_col(a("region"))
            .and_having(Expr::col(a("amount")).sum().gt(100))
            .order_by(a("region"), Order::Asc);
        let totals: Vec<RegionTotal> = if db.backend() == tests::Backend::MySql {
            // MySQL has no CAST(.. AS BIGINT): SIGNED is its 64-bit integer.
            let mut my = Query::select();
            my.column(a("region"))
                .expr_as(Expr::cust("CAST(SUM(amount) AS SIGNED)"), a("total"))
                .expr_as(Expr::cust("COUNT(id)"), a("sales"))
                .from(a("st_sales"))
                .group_by_col(a("region"))
                .and_having(Expr::col(a("amount")).sum().gt(100))
                .order_by(a("region"), Order::Asc);
            sales.fetch_statement(&my).await.unwrap()
        } else {
            sales.fetch_statement(&typed).await.unwrap()
        };
        assert_eq!(
            totals,
            vec![
                RegionTotal {
                    region: "north".into(),
                    sum: 450,
                    sales: 3
                },
                RegionTotal {
                    region: "south".into(),
                    sum: 520,
                    sales: 2
                },
            ]
        );
        // Scalars and tuples by position; a bound value.
        let mut count = Query::select();
        count
            .expr(Expr::col(a("id")).count())
            .from(a("st_sales"))
            .and_where(Expr::col(a("amount")).gte(100));
        let n: Vec<i64> = sales.fetch_statement(&count).await.unwrap();
        assert_eq!(n, vec![3]);
        let mut pairs = Query::select();
        pairs
            .columns([a("seller"), a("amount")])
            .from(a("st_sales"))
            .and_where(Expr::col(a("region")).eq("south"))
            .order_by(a("amount"), Order::Desc);
        let rows: Vec<(String, i64)> = sales.fetch_statement(&pairs).await.unwrap();
        assert_eq!(rows, vec![("cid".to_owned(), 500), ("dee".to_owned(), 20)]);
        // A projection whose column is missing is a typed mapping error naming it.
        let mut missing = Query::select();
        missing.column(a("region")).from(a("st_sales"));
        let err = sales
            .fetch_statement::<RegionTotal>(&missing)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DataError::Mapping { .. }) && err.to_string().contains("total"),
            "{err}"
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_cte_a_window_function_and_a_union(db: TestDatabase) {
        let (ctx, sales) = start(&db).await;
        // WITH big AS (SELECT * FROM st_sales WHERE amount >= ?) SELECT seller FROM big ORDER BY seller
        let mut inner = Query::select();
        inner
            .columns([a("id"), a("seller"), a("amount")])
            .from(a("st_sales"))
            .and_where(Expr::col(a("amount")).gte(100));
        let cte = CommonTableExpression::new()
            .query(inner)
            .table_name(a("big"))
            .to_owned();
        let mut outer = Query::select();
        outer
            .column(a("seller"))
            .from(a("big"))
            .order_by(a("seller"), Order::Asc);
        let with = outer.with(WithClause::new().cte(cte).to_owned());
        let sellers: Vec<String> = sales.fetch_statement(&with).await.unwrap();
        assert_eq!(sellers, vec!["ann", "bob", "cid"]);

        // ROW_NUMBER() OVER (PARTITION BY region ORDER BY amount DESC): each region's best.
        let mut window = Query::select();
        window
            .columns([a("seller"), a("amount"), a("region")])
            .expr_window_as(
                Expr::cust("ROW_NUMBER()"),
                WindowStatement::partition_by(a("region"))
                    .order_by(a("amount"), Order::Desc)
                    .to_owned(),
                a("place"),
            )
            .from(a("st_sales"));
        let mut best = Query::select();
        best.columns([a("seller"), a("amount"), a("place")])
            .from_subquery(window, a("ranked"))
            .and_where(Expr::col(a("place")).eq(1))
            .order_by(a("amount"), Order::Desc);
        let ranked: Vec<Ranked> = sales.fetch_statement(&best).await.unwrap();
        let top: Vec<(&str, i64)> = ranked
            .iter()
            .map(|r| (r.seller.as_str(), r.amount))
            .collect();
        assert_eq!(top, vec![("cid", 500), ("bob", 300), ("eve", 5)]);
        assert!(ranked.iter().all(|r| r.place == 1));

        // UNION ALL of two selects.
        let mut north = Query::select();
        north
            .column(a("seller"))
            .from(a("st_sales"))
            .and_where(Expr::col(a("region")).eq("north"));
        let mut east = Query::select();
        east.column(a("seller"))
            .from(a("st_sales"))
            .and_where(Expr::col(a("region")).eq("east"));
        north.union(UnionType::All, east);
        let mut names: Vec<String> = sales.fetch_statement(&north).await.unwrap();
        names.sort();
        assert_eq!(names, vec!["ann", "ann", "bob", "eve"]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn whole_entities_and_writes_run_in_the_task_s_transaction(db: TestDatabase) {
        let (ctx, sales) = start(&db).await;
        let mut q = Query::select();
        // Columns in another order: mapped by name.
        q.columns([a("amount"), a("seller"), a("id"), a("region")])
            .from(a("st_sales"))
            .and_where(Expr::col(a("seller")).eq("ann"))
            .order_by(a("id"), Order::Asc);
        let anns = sales.fetch_entities_statement(&q).await.unwrap();
        assert_eq!(
            anns.iter().map(|s| (s.id, s.amount)).collect::<Vec<_>>(),
            vec![(1, 100), (3, 50)]
        );

        assert_eq!(sales.find_by_id(4).await.unwrap().unwrap().amount, 500); // cached
        let tm = ctx.transaction_manager("default").unwrap();
        let r: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                let mut up = Query::update();
                up.table(a("st_sales"))
                    .value(a("amount"), Expr::col(a("amount")).add(1))
                    .and_where(Expr::col(a("region")).eq("south"));
                assert_eq!(sales.execute_statement(&up).await?, 2);
                assert_eq!(
                    sales.find_by_id(4).await?.unwrap().amount,
                    501,
                    "its own write, not the cache"
                );
                Err(DataError::InvalidArgument("undo".into()))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(
            sales.find_by_id(4).await.unwrap().unwrap().amount,
            500,
            "rolled back"
        );
        let mut up = Query::update();
        up.table(a("st_sales"))
            .value(a("amount"), 7)
            .and_where(Expr::col(a("id")).eq(4));
        assert_eq!(sales.execute_statement(&up).await.unwrap(), 1);
        assert_eq!(
            sales.find_by_id(4).await.unwrap().unwrap().amount,
            7,
            "the cache was emptied"
        );
        ctx.shutdown().await.unwrap();
    }
);
