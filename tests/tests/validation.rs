//! Validation on every database: `#[validate(..)]` rules on entity fields (validator's), on
//! embedded values and on cascaded children, checked before every insert and update, every
//! violation in one `DataError::Validation`, and no statement sent.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::LazyLock;

use framework_data::prelude::*;
use framework_data::validator::ValidationError;
use regex::Regex;
use tests::{TestDatabase, db_test};

static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new("^[A-Z]{2}[0-9]{3}$").unwrap());

fn not_reserved(name: &str) -> Result<(), ValidationError> {
    if name.eq_ignore_ascii_case("admin") {
        return Err(ValidationError::new("reserved").with_message("is a reserved name".into()));
    }
    Ok(())
}

fn nickname_differs(m: &Member) -> Result<(), ValidationError> {
    if m.nickname.as_deref() == Some(m.name.as_str()) {
        return Err(ValidationError::new("nickname_differs"));
    }
    Ok(())
}

#[derive(Embeddable, Debug, Clone, PartialEq)]
pub struct Address {
    #[validate(length(min = 1, message = "a city is required"))]
    pub city: String,
    #[validate(length(equal = 5))]
    pub zip: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "val_members")]
#[validate(schema(function = nickname_differs))]
pub struct Member {
    #[id(generated)]
    pub id: i64,
    #[validate(email)]
    pub email: String,
    #[validate(length(min = 1, max = 40), custom(function = not_reserved))]
    pub name: String,
    #[validate(range(min = 18, max = 130))]
    pub age: i32,
    #[validate(url)]
    pub website: Option<String>,
    #[validate(length(max = 10))]
    pub nickname: Option<String>,
    #[validate(regex(path = *CODE, code = "member_code", message = "two letters, three digits"))]
    pub code: String,
    #[embedded]
    pub address: Address,
    #[many_to_one(column = "team_id")]
    pub team: Option<Ref<Team>>,
    #[version]
    pub version: i64,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "val_teams")]
pub struct Team {
    #[id(generated)]
    pub id: i64,
    #[validate(length(min = 3))]
    pub name: String,
    #[one_to_many(mapped_by = "team", cascade = "all")]
    pub members: Related<Vec<Member>>,
}

#[repository]
pub trait MemberRepository: CrudRepository<Member> {
    async fn find_by_name(&self, name: &str) -> DataResult<Vec<Member>>;
}

fn member(email: &str, name: &str) -> Member {
    Member {
        id: 0,
        email: email.into(),
        name: name.into(),
        age: 30,
        website: Some("https://example.org".into()),
        nickname: None,
        code: "AB123".into(),
        address: Address {
            city: "Lyon".into(),
            zip: "69001".into(),
        },
        team: None,
        version: 0,
    }
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let id = db.generated_id();
    for ddl in [
        format!("CREATE TABLE val_teams (id {id}, name VARCHAR(100) NOT NULL)"),
        format!(
            "CREATE TABLE val_members (id {id}, email VARCHAR(200) NOT NULL, name VARCHAR(200) NOT NULL, age INT NOT NULL, website VARCHAR(200) NULL, nickname VARCHAR(200) NULL, code VARCHAR(10) NOT NULL, city VARCHAR(100) NOT NULL, zip VARCHAR(10) NOT NULL, team_id BIGINT NULL, version BIGINT NOT NULL)"
        ),
    ] {
        ds.execute_script(&ddl).await.unwrap();
    }
    (ctx, ds)
}

async fn rows(ds: &DataSource, table: &str) -> i64 {
    ds.sql(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one::<i64>()
        .await
        .unwrap()
}

fn violations(err: DataError) -> Vec<(String, String)> {
    match err {
        DataError::Validation { violations, .. } => {
            violations.into_iter().map(|v| (v.path, v.rule)).collect()
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect()
}

db_test!(
    async fn every_violation_in_one_error_and_no_statement(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let mut bad = member("not-an-email", "admin");
        bad.age = 12;
        bad.website = Some("nope".into());
        bad.nickname = Some("far too long a nickname".into());
        bad.code = "abc".into();
        bad.address = Address {
            city: String::new(),
            zip: "1".into(),
        };
        let before = ds.statements_executed();
        let err = members.save(bad).await.unwrap_err();
        assert_eq!(ds.statements_executed(), before, "no statement sent");
        assert_eq!(err.category(), ErrorCategory::InvalidInput);
        let text = err.to_string();
        assert!(text.starts_with("Member is not valid: "), "{text}");
        assert!(text.contains("address.city: a city is required"), "{text}");
        assert!(text.contains("code: two letters, three digits"), "{text}");
        assert!(
            text.contains("age: must be at least 18 and at most 130"),
            "{text}"
        );
        assert_eq!(
            violations(err),
            pairs(&[
                ("email", "email"),
                ("name", "reserved"),
                ("age", "range"),
                ("website", "url"),
                ("nickname", "length"),
                ("code", "member_code"),
                ("address.city", "length"),
                ("address.zip", "length"),
            ]),
            "every violation, in the fields' order"
        );
        assert_eq!(rows(&ds, "val_members").await, 0);

        // The rule on the whole entity runs once the fields are valid.
        let mut same = member("a@x.org", "ann");
        same.nickname = Some("ann".into());
        let err = members.save(same).await.unwrap_err();
        assert_eq!(violations(err), pairs(&[("", "nickname_differs")]));

        // A None is not checked by its rules; a valid entity is saved.
        let mut ok = member("b@x.org", "bob");
        ok.website = None;
        let saved = members.save(ok).await.unwrap();
        assert_eq!(members.find_by_id(saved.id).await.unwrap().unwrap(), saved);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn updates_are_validated_and_the_row_is_kept(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let saved = members.save(member("c@x.org", "cy")).await.unwrap();
        let mut changed = saved.clone();
        changed.email = "broken".into();
        let before = ds.statements_executed();
        let err = members.save(changed).await.unwrap_err();
        assert_eq!(violations(err), pairs(&[("email", "email")]));
        assert_eq!(ds.statements_executed(), before);
        assert_eq!(members.find_by_id(saved.id).await.unwrap().unwrap(), saved);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn save_all_and_bulk_writes_check_every_entity_first(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let batch = vec![
            member("d@x.org", "dee"),
            member("e-at-x.org", "eve"),
            member("f@x.org", ""),
        ];
        let before = ds.statements_executed();
        let err = members.save_all(batch.clone()).await.unwrap_err();
        assert_eq!(
            violations(err),
            pairs(&[("[1].email", "email"), ("[2].name", "length")])
        );
        let err = members
            .upsert_all(batch.clone(), &["email"])
            .await
            .unwrap_err();
        assert_eq!(violations(err).len(), 2);
        let err = members
            .insert_all_ignore_conflicts(batch)
            .await
            .unwrap_err();
        assert_eq!(violations(err).len(), 2);
        let err = members
            .upsert(member("g@x.org", "admin"), &["email"])
            .await
            .unwrap_err();
        assert_eq!(violations(err), pairs(&[("name", "reserved")]));
        assert_eq!(ds.statements_executed(), before, "no statement sent");
        assert_eq!(rows(&ds, "val_members").await, 0);

        // Through a declared repository too.
        let repo: &dyn MemberRepository = &MemberRepositoryImpl::new(ds.clone());
        let err = repo.save(member("h@x.org", "")).await.unwrap_err();
        assert_eq!(violations(err), pairs(&[("name", "length")]));
        repo.save(member("h@x.org", "hal")).await.unwrap();
        assert_eq!(repo.find_by_name("hal").await.unwrap().len(), 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn cascaded_children_are_checked_with_the_parent(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let teams = ctx.repository::<Team>().unwrap();
        let team = Team {
            id: 0,
            name: "ab".into(),
            members: Related::Loaded(vec![member("i@x.org", "ida"), member("j@x.org", "admin")]),
        };
        let before = ds.statements_executed();
        let err = teams.save(team.clone()).await.unwrap_err();
        assert_eq!(
            violations(err),
            pairs(&[("name", "length"), ("members[1].name", "reserved")])
        );
        assert_eq!(ds.statements_executed(), before, "no statement sent");
        assert_eq!(rows(&ds, "val_teams").await, 0);
        assert_eq!(rows(&ds, "val_members").await, 0);

        let mut fixed = team;
        fixed.name = "abc".into();
        if let Related::Loaded(ms) = &mut fixed.members {
            ms[1].name = "jo".into();
        }
        let saved = teams.save(fixed).await.unwrap();
        assert_eq!(saved.members.get().unwrap().len(), 2);
        assert_eq!(rows(&ds, "val_members").await, 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_validation_error_in_a_transaction_rolls_it_back(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let members = ctx.repository::<Member>().unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        let result: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                members.save(member("k@x.org", "kim")).await?;
                members.save(member("l@x.org", "admin")).await?;
                Ok(())
            })
            .await;
        assert!(
            matches!(result, Err(DataError::Validation { .. })),
            "{result:?}"
        );
        assert_eq!(
            rows(&ds, "val_members").await,
            0,
            "the first save rolled back"
        );
        ctx.shutdown().await.unwrap();
    }
);

#[test]
fn the_entity_is_a_validator_validate() {
    use framework_data::validator::Validate;
    let mut m = member("m@x.org", "max");
    assert!(m.validate().is_ok());
    m.email = "nope".into();
    let errors = m.validate().unwrap_err();
    assert!(errors.field_errors().contains_key("email"));
}
