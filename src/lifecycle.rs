//! Typed lifecycles: the one mechanism every object with states uses (the
//! catalog's datasets now; the strategy's projects, intents, measurements
//! and evaluations next). A lifecycle is an enum of states, stored as text,
//! and a table of the steps between them, each naming the roles that may
//! take it and whether it needs a reason. Nothing compares status strings
//! by hand: a step that is not in the table is refused with the steps that
//! are, which the API answers as 409 with `{"allowed": [...]}`.

use std::fmt::Debug;

use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, FieldError};

/// The longest reason a move may carry, in characters.
pub const MAX_REASON: usize = 2_000;

/// A lifecycle's states. `text_state!` implements it and the database
/// mapping for an enum.
pub trait State: Copy + Eq + Debug + Send + Sync + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s.trim())
    }
}

/// One allowed move.
#[derive(Debug)]
pub struct Step<S: 'static> {
    pub from: S,
    pub to: S,
    /// Who may take it (any of them); the domain's policy then decides
    /// whether the user may act on this object at all.
    pub roles: &'static [Role],
    /// The move is explained: a withdrawal says why.
    pub needs_reason: bool,
}

/// The table of a kind of object's moves.
pub struct Lifecycle<S: 'static> {
    pub steps: &'static [Step<S>],
}

/// What a transition asks for, as the API and the forms send it.
#[derive(serde::Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A move that was taken, for the audit row.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Moved {
    pub from: &'static str,
    pub to: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl<S: State> Lifecycle<S> {
    /// The states `user` may move an object in `from` to.
    pub fn next(&self, from: S, roles: &[Role]) -> Vec<S> {
        self.steps
            .iter()
            .filter(|s| s.from == from && s.roles.iter().any(|r| roles.contains(r)))
            .map(|s| s.to)
            .collect()
    }

    /// Checks a move for a user: 409 naming the allowed states when the
    /// table has no such step for the user's roles, 422 when the step needs
    /// a reason and has none. The reason comes back trimmed.
    pub fn check(
        &self,
        user: &CurrentUser,
        from: S,
        to: &str,
        reason: Option<&str>,
    ) -> Result<(S, Moved), AppError> {
        self.check_roles(&user.roles, from, to, reason)
    }

    pub fn check_roles(
        &self,
        roles: &[Role],
        from: S,
        to: &str,
        reason: Option<&str>,
    ) -> Result<(S, Moved), AppError> {
        let refused = || AppError::Transition {
            from: from.as_str(),
            to: to.chars().take(40).collect(),
            allowed: self.next(from, roles).iter().map(|s| s.as_str()).collect(),
        };
        let target = S::parse(to).ok_or_else(refused)?;
        let step = self
            .steps
            .iter()
            .find(|s| s.from == from && s.to == target && s.roles.iter().any(|r| roles.contains(r)))
            .ok_or_else(refused)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if step.needs_reason && reason.is_none() {
            return Err(AppError::Validation(vec![FieldError::new(
                "reason",
                "field_required",
            )]));
        }
        // A reason is shown in public (a withdrawn dataset's page) and kept
        // in the audit log: a paragraph, not a document.
        if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
            return Err(AppError::Validation(vec![FieldError::new(
                "reason",
                "field_too_long",
            )]));
        }
        Ok((
            target,
            Moved {
                from: from.as_str(),
                to: target.as_str(),
                reason: reason.map(str::to_string),
            },
        ))
    }
}

/// Implements `State`, serde and diesel's text mapping for a fieldless enum:
/// the state is stored and sent as its name.
#[macro_export]
macro_rules! text_state {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $crate::lifecycle::State for $ty {
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::lifecycle::State::as_str(*self))
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::lifecycle::State::as_str(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty as $crate::lifecycle::State>::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown state {s:?}"))
                })
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                $crate::lifecycle::State::as_str(*self).to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                <$ty as $crate::lifecycle::State>::parse(&s)
                    .ok_or_else(|| format!("unknown state {s:?} in the database").into())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Light {
        Red,
        Green,
    }
    crate::text_state!(Light { Red => "red", Green => "green" });

    const LIGHTS: Lifecycle<Light> = Lifecycle {
        steps: &[
            Step {
                from: Light::Red,
                to: Light::Green,
                roles: &[Role::Admin],
                needs_reason: false,
            },
            Step {
                from: Light::Green,
                to: Light::Red,
                roles: &[Role::Admin, Role::Curator],
                needs_reason: true,
            },
        ],
    };

    #[test]
    fn only_the_table_moves_and_a_refusal_names_what_is_allowed() {
        let admin = [Role::Admin];
        assert!(
            LIGHTS
                .check_roles(&admin, Light::Red, "green", None)
                .is_ok()
        );
        // Not a step for a curator; and nothing is allowed from red for one.
        match LIGHTS.check_roles(&[Role::Curator], Light::Red, "green", None) {
            Err(AppError::Transition { allowed, .. }) => assert!(allowed.is_empty()),
            other => panic!("{other:?}"),
        }
        // An unknown state is refused like a forbidden one.
        match LIGHTS.check_roles(&admin, Light::Red, "blue", None) {
            Err(AppError::Transition { allowed, .. }) => assert_eq!(allowed, ["green"]),
            other => panic!("{other:?}"),
        }
        // A reason is needed and trimmed.
        assert!(matches!(
            LIGHTS.check_roles(&admin, Light::Green, "red", Some("  ")),
            Err(AppError::Validation(_))
        ));
        let Ok((to, moved)) = LIGHTS.check_roles(&admin, Light::Green, "red", Some(" broken "))
        else {
            panic!("a step of the table was refused");
        };
        assert_eq!(to, Light::Red);
        let essay = "x".repeat(MAX_REASON + 1);
        assert!(matches!(
            LIGHTS.check_roles(&admin, Light::Green, "red", Some(&essay)),
            Err(AppError::Validation(_))
        ));
        assert_eq!(moved.reason.as_deref(), Some("broken"));
        assert_eq!(Light::parse("green"), Some(Light::Green));
        assert_eq!(serde_json::to_value(Light::Red).ok(), Some("red".into()));
    }
}
