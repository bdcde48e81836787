//! Snapshot tests of the generated code: each case expands a macro on a typical input and
//! compares the pretty-printed result with `snapshots/{case}.rs`, so that a change in what the
//! macros generate is reviewed as a diff of those files. `UPDATE_SNAPSHOTS=1 cargo test -p
//! framework-tx-macros` rewrites them.

use std::path::PathBuf;

use proc_macro2::TokenStream;

type TestResult = Result<(), Box<dyn std::error::Error>>;
use quote::quote;

fn pretty(tokens: TokenStream) -> syn::Result<String> {
    Ok(prettyplease::unparse(&syn::parse2::<syn::File>(tokens)?))
}

fn check(case: &str, tokens: TokenStream) -> TestResult {
    let actual = pretty(tokens)?;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(format!("{case}.rs"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.with_file_name(""))?;
        std::fs::write(&path, &actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(10)
            .map(|(i, (e, a))| format!("line {}:\n  - {e}\n  + {a}", i + 1))
            .collect();
        panic!(
            "the expansion of `{case}` changed (snapshot {}; {} lines expected, {} now); review and rerun with UPDATE_SNAPSHOTS=1:\n{}",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
    Ok(())
}

#[test]
fn entity() -> TestResult {
    let input = syn::parse_quote! {
        #[entity(table = "owners", cache = "owners")]
        pub struct Owner {
            #[id(generated)]
            pub id: i64,
            #[column(name = "full_name")]
            pub name: String,
            #[embedded(prefix = "home_")]
            pub address: Option<Address>,
            pub active: bool,
            #[version]
            pub version: i64,
            #[created_at]
            pub created_at: DateTime<Utc>,
            #[transient]
            pub note: String,
        }
    };
    check("entity", crate::entity::expand(input)?)?;
    Ok(())
}

#[test]
fn entity_with_composite_key() -> TestResult {
    let input = syn::parse_quote! {
        pub struct OrderLine {
            #[id]
            pub order_id: i64,
            #[id]
            pub line_no: i32,
            pub quantity: i32,
        }
    };
    check("entity_with_composite_key", crate::entity::expand(input)?)?;
    Ok(())
}

#[test]
fn entity_with_associations() -> TestResult {
    let input = syn::parse_quote! {
        #[entity(table = "posts")]
        pub struct Post {
            #[id(generated)]
            pub id: i64,
            #[many_to_one(column = "author_id", fetch = "eager")]
            pub author: Ref<User>,
            #[many_to_one]
            pub editor: Option<Ref<User>>,
            #[one_to_many(mapped_by = "post", order_by = "id desc", cascade = "all", orphan_removal)]
            pub comments: Related<Vec<Comment>>,
            #[many_to_many(join_table = "post_tags", order_by = "name asc")]
            pub tags: Related<Vec<Tag>>,
        }
    };
    check("entity_with_associations", crate::entity::expand(input)?)?;
    Ok(())
}

#[test]
fn embeddable() -> TestResult {
    let input = syn::parse_quote! {
        pub struct Address {
            pub street: String,
            #[column(name = "zip")]
            pub zip_code: String,
            pub floor: Option<i32>,
        }
    };
    check("embeddable", crate::embeddable::expand(input)?)?;
    Ok(())
}

#[test]
fn repository() -> TestResult {
    let item = quote! {
        pub trait OwnerRepository: CrudRepository<Owner> {
            async fn find_by_address_city_order_by_name_desc(&self, city: &str) -> DataResult<Vec<Owner>>;
            async fn count_by_active_true(&self) -> DataResult<u64>;
            #[query("SELECT * FROM owners WHERE id IN (:ids)")]
            async fn by_ids(&self, ids: &[i64]) -> DataResult<Vec<Owner>>;
        }
    };
    let first = crate::repository::attribute(TokenStream::new(), item.clone())?;
    check("repository_attribute", first)?;
    let callback = quote! {
        @fields [(id other req) (name text req) (address embedded opt) (active bool req)]
        @fd (::framework_data) @datasource "default" @entity (Owner) @item #item
    };
    check(
        "repository_implementation",
        crate::repository::implement(callback)?,
    )?;
    Ok(())
}

#[test]
fn transactional() -> TestResult {
    let attr = quote!(
        propagation = RequiresNew,
        isolation = Serializable,
        timeout = "5s",
        retry = 2
    );
    let item = quote! {
        pub async fn transfer(&self, from: i64, to: i64, cents: i64) -> Result<(), AppError> {
            self.accounts.debit(from, cents).await?;
            self.accounts.credit(to, cents).await
        }
    };
    check("transactional", crate::transactional::expand(attr, item)?)?;
    Ok(())
}

#[test]
fn service() -> TestResult {
    let item = quote! {
        impl TransferServiceImpl {
            #[transactional]
            pub async fn transfer(&self, from: i64, to: i64) -> Result<(), AppError> {
                self.inner(from, to).await
            }
            async fn inner(&self, from: i64, to: i64) -> Result<(), AppError> {
                Ok(())
            }
        }
    };
    check("service", crate::service::expand(TokenStream::new(), item)?)?;
    Ok(())
}
