//! What every area's use cases share: `area_error!`, which declares an
//! area's typed error with the refusals all areas have (not found,
//! forbidden, conflict, an invalid field) and its database error, their
//! conversions, and their one mapping to the web's answers (404, 403, 409,
//! 422); an area adds its own refusals with their answers.

/// Declares an area's error. The common variants:
///
/// - `NotFound`: no such thing, or not the actor's (404);
/// - `Forbidden(key)`: not allowed, the reason a translation key (403);
/// - `Conflict(key)`: not possible as things stand (409);
/// - `Invalid { field, key }`: the form comes back with the message next to
///   its field (422; a handler that re-renders the form answers it);
/// - `Db(DbError)`: the database failed (500).
///
/// Extra variants are written `Name { fields } => answer`, the answer an
/// `AppError` built from the fields.
#[macro_export]
macro_rules! area_error {
    (
        $(#[$doc:meta])*
        $name:ident {
            $(
                $(#[$vdoc:meta])*
                $variant:ident { $($field:ident : $fty:ty),* $(,)? } => $answer:expr
            ),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $name {
            /// No such thing, or not the actor's.
            NotFound,
            /// Not allowed; the reason is a translation key.
            Forbidden(&'static str),
            /// Not possible as things stand; a translation key.
            Conflict(&'static str),
            /// The form comes back with this message next to this field.
            Invalid { field: &'static str, key: &'static str },
            $(
                $(#[$vdoc])*
                $variant { $($field: $fty),* },
            )*
            Db(klearn_db::DbError),
        }

        impl $name {
            pub fn invalid(field: &'static str, key: &'static str) -> Self {
                $name::Invalid { field, key }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $name::NotFound => f.write_str("not found"),
                    $name::Forbidden(key) => write!(f, "not allowed: {key}"),
                    $name::Conflict(key) => write!(f, "refused as things stand: {key}"),
                    $name::Invalid { field, key } => write!(f, "{field}: {key}"),
                    $name::Db(e) => e.fmt(f),
                    #[allow(unreachable_patterns)]
                    other => write!(f, "{other:?}"),
                }
            }
        }

        impl std::error::Error for $name {}

        impl From<klearn_db::DbError> for $name {
            fn from(e: klearn_db::DbError) -> Self {
                match e {
                    klearn_db::DbError::NotFound => $name::NotFound,
                    other => $name::Db(other),
                }
            }
        }

        impl From<diesel::result::Error> for $name {
            fn from(e: diesel::result::Error) -> Self {
                klearn_db::DbError::from_query(e).into()
            }
        }

        impl From<$name> for $crate::web::AppError {
            fn from(e: $name) -> Self {
                use $crate::web::AppError;
                match e {
                    $name::NotFound => AppError::NotFound,
                    $name::Forbidden(key) => AppError::ForbiddenBecause(key),
                    $name::Conflict(key) => AppError::ConflictBecause(key),
                    $name::Invalid { .. } => AppError::BadRequest,
                    $(
                        #[allow(unused_variables)]
                        $name::$variant { $($field),* } => $answer,
                    )*
                    $name::Db(e) => AppError::from(e),
                }
            }
        }
    };
}
