//! The PostgreSQL contestant beside raw sqlx: raw tokio-postgres on a bb8 pool of 10, each
//! connection with the workloads' statements prepared when it opens (what a careful
//! tokio-postgres user does; it has no statement cache of its own), no check on checkout.

#![allow(dead_code)]

use tokio_postgres::{Client, NoTls, Statement};

const COLS: &str = "\"id\", \"email\", \"owner\", \"cents\", \"version\"";

/// A pooled connection: the client and its prepared statements.
pub struct Prepared {
    client: Client,
    by_id: Statement,
    by_email: Statement,
    count: Statement,
    page: Statement,
    insert: Statement,
    update: Statement,
}

pub struct Manager {
    config: tokio_postgres::Config,
}

impl bb8::ManageConnection for Manager {
    type Connection = Prepared;
    type Error = tokio_postgres::Error;

    async fn connect(&self) -> Result<Prepared, tokio_postgres::Error> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(connection);
        let by_id = client
            .prepare(&format!("SELECT {COLS} FROM \"people\" WHERE \"id\" = $1"))
            .await?;
        let by_email = client
            .prepare(&format!(
                "SELECT {COLS} FROM \"people\" WHERE \"email\" = $1 LIMIT 2"
            ))
            .await?;
        let count = client
            .prepare("SELECT COUNT(*) FROM \"people\" WHERE \"owner\" = $1")
            .await?;
        let page = client
            .prepare(&format!(
                "SELECT {COLS} FROM \"people\" WHERE \"owner\" = $1 ORDER BY \"id\" LIMIT $2 OFFSET $3"
            ))
            .await?;
        let insert = client
            .prepare("INSERT INTO \"people\" (\"email\", \"owner\", \"cents\", \"version\") VALUES ($1, $2, $3, $4) RETURNING \"id\"")
            .await?;
        let update = client
            .prepare("UPDATE \"people\" SET \"email\" = $1, \"owner\" = $2, \"cents\" = $3, \"version\" = $4 WHERE \"id\" = $5 AND \"version\" = $6")
            .await?;
        Ok(Prepared {
            client,
            by_id,
            by_email,
            count,
            page,
            insert,
            update,
        })
    }

    async fn is_valid(&self, _conn: &mut Prepared) -> Result<(), tokio_postgres::Error> {
        Ok(())
    }

    fn has_broken(&self, conn: &mut Prepared) -> bool {
        conn.client.is_closed()
    }
}

/// One row of `people`, as the workloads read it.
#[derive(Debug, Clone)]
pub struct TpPerson {
    pub id: i64,
    pub email: String,
    pub owner: String,
    pub cents: i64,
    pub version: i64,
}

fn person(row: &tokio_postgres::Row) -> TpPerson {
    TpPerson {
        id: row.get(0),
        email: row.get(1),
        owner: row.get(2),
        cents: row.get(3),
        version: row.get(4),
    }
}

#[derive(Clone)]
pub struct TokioPg {
    pool: bb8::Pool<Manager>,
}

impl TokioPg {
    pub async fn connect(url: &str) -> TokioPg {
        let config: tokio_postgres::Config = url.parse().unwrap();
        let pool = bb8::Pool::builder()
            .max_size(10)
            .test_on_check_out(false)
            .build(Manager { config })
            .await
            .unwrap();
        TokioPg { pool }
    }

    pub async fn find_by_id(&self, id: i64) -> TpPerson {
        let c = self.pool.get().await.unwrap();
        person(&c.client.query_one(&c.by_id, &[&id]).await.unwrap())
    }

    pub async fn find_by_email(&self, email: &str) -> Option<TpPerson> {
        let c = self.pool.get().await.unwrap();
        let rows = c.client.query(&c.by_email, &[&email]).await.unwrap();
        rows.first().map(person)
    }

    pub async fn page(&self, owner: &str) -> (Vec<TpPerson>, i64) {
        let c = self.pool.get().await.unwrap();
        let total: i64 = c
            .client
            .query_one(&c.count, &[&owner])
            .await
            .unwrap()
            .get(0);
        let rows = c
            .client
            .query(&c.page, &[&owner, &20i64, &0i64])
            .await
            .unwrap();
        (rows.iter().map(person).collect(), total)
    }

    pub async fn insert(&self, email: &str) -> i64 {
        let c = self.pool.get().await.unwrap();
        c.client
            .query_one(&c.insert, &[&email, &"tp", &1i64, &1i64])
            .await
            .unwrap()
            .get(0)
    }

    pub async fn update(&self, p: &TpPerson) {
        let c = self.pool.get().await.unwrap();
        let n = c
            .client
            .execute(
                &c.update,
                &[
                    &p.email,
                    &p.owner,
                    &(p.cents + 1),
                    &(p.version + 1),
                    &p.id,
                    &p.version,
                ],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    /// A multi-row INSERT of `people` (email, owner, cents), ids back with RETURNING.
    pub async fn save_all(&self, people: &[(String, String, i64)]) {
        let mut text = String::from(
            "INSERT INTO \"people\" (\"email\", \"owner\", \"cents\", \"version\") VALUES ",
        );
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            Vec::with_capacity(people.len() * 4);
        let one = 1i64;
        for (i, (email, owner, cents)) in people.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let b = i * 4;
            text.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            params.push(email);
            params.push(owner);
            params.push(cents);
            params.push(&one);
        }
        text.push_str(" RETURNING \"id\"");
        let c = self.pool.get().await.unwrap();
        let rows = c.client.query(&text, &params).await.unwrap();
        assert_eq!(rows.len(), people.len());
    }

    pub async fn empty_transaction(&self) {
        let mut c = self.pool.get().await.unwrap();
        let tx = c.client.transaction().await.unwrap();
        tx.commit().await.unwrap();
    }
}
