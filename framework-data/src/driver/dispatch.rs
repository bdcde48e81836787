//! The one list of compiled-in drivers outside their own modules: [`dispatch!`] matches a value
//! of one of the per-driver enums (`Pool`, `PooledConnection`, `TxConn`, `Args`, `Row`, ...),
//! whose variants are named `Postgres`, `MySql` and `Sqlite`, and runs the same code on each
//! variant's sqlx value. Callers write that code once, generically over sqlx's traits; the
//! type checker instantiates it per driver. A fourth driver adds one arm here.

/// `dispatch!(value => Enum(inner), DB => body)`: matches `value` against `Enum`'s variants,
/// binding `inner` (a pattern) to the variant's value and `DB` to the driver's sqlx database
/// type (`sqlx::Postgres`, ...) inside `body`.
///
/// `dispatch!((a, b) => (EnumA(x), EnumB(y)), DB => body, else => mismatch)` matches two
/// values that must be of the same driver; `mismatch` runs when they are not.
macro_rules! dispatch {
    ($value:expr => $Enum:ident($inner:pat), $DB:ident => $body:expr) => {
        match $value {
            #[cfg(feature = "postgres")]
            $Enum::Postgres($inner) => {
                #[allow(dead_code)]
                type $DB = ::sqlx::Postgres;
                $body
            }
            #[cfg(feature = "mysql")]
            $Enum::MySql($inner) => {
                #[allow(dead_code)]
                type $DB = ::sqlx::MySql;
                $body
            }
            #[cfg(feature = "sqlite")]
            $Enum::Sqlite($inner) => {
                #[allow(dead_code)]
                type $DB = ::sqlx::Sqlite;
                $body
            }
        }
    };
    (($a:expr, $b:expr) => ($EnumA:ident($x:pat), $EnumB:ident($y:pat)), $DB:ident => $body:expr, else => $mismatch:expr) => {
        match ($a, $b) {
            #[cfg(feature = "postgres")]
            ($EnumA::Postgres($x), $EnumB::Postgres($y)) => {
                #[allow(dead_code)]
                type $DB = ::sqlx::Postgres;
                $body
            }
            #[cfg(feature = "mysql")]
            ($EnumA::MySql($x), $EnumB::MySql($y)) => {
                #[allow(dead_code)]
                type $DB = ::sqlx::MySql;
                $body
            }
            #[cfg(feature = "sqlite")]
            ($EnumA::Sqlite($x), $EnumB::Sqlite($y)) => {
                #[allow(dead_code)]
                type $DB = ::sqlx::Sqlite;
                $body
            }
            // Only reachable with two drivers compiled in.
            #[allow(unreachable_patterns)]
            _ => $mismatch,
        }
    };
}

pub(crate) use dispatch;
