//! Users, roles, sessions, CSRF, API tokens and the one authorisation check
//! that every write route calls.

pub mod csrf;
pub mod guard;
pub mod identity;
pub mod password;
pub mod routes;
pub mod security_log;
pub mod store;
pub mod throttle;

use serde::{Deserialize, Serialize};

use crate::error::AppError;
pub use identity::{CurrentUser, Identity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Curator,
    WorkingGroup,
    SteeringCommittee,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Curator,
        Role::WorkingGroup,
        Role::SteeringCommittee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Curator => "curator",
            Role::WorkingGroup => "working_group",
            Role::SteeringCommittee => "steering_committee",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// What a write needs. Each write route names one; `authorize` decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Create users, change their roles, disable them.
    ManageUsers,
    /// Read the whole audit log, including account changes.
    ViewAuditLog,
    /// Log out, change one's own password, create and revoke one's own tokens.
    ManageOwnAccount,
    /// Create, edit, publish and withdraw datasets (of the publishers one acts for).
    EditCatalog,
    /// Create and edit publishers and choose who curates for them.
    ManagePublishers,
    /// Record and move the strategy's facts (KPI values, status reports,
    /// project moves); the strategy's policy then decides per object.
    TrackStrategy,
    /// Create and edit strategies, goals, measures, projects and KPIs, and
    /// choose who is responsible for each.
    ManageStrategy,
}

impl Permission {
    fn allowed_roles(self) -> Option<&'static [Role]> {
        match self {
            Permission::ManageUsers
            | Permission::ViewAuditLog
            | Permission::ManagePublishers
            | Permission::ManageStrategy => Some(&[Role::Admin]),
            Permission::EditCatalog => Some(&[Role::Admin, Role::Curator]),
            Permission::TrackStrategy => {
                Some(&[Role::Admin, Role::WorkingGroup, Role::SteeringCommittee])
            }
            // Any signed-in user, whatever the role.
            Permission::ManageOwnAccount => None,
        }
    }
}

/// The single authorisation check: anonymous -> 401, wrong role -> 403.
pub fn authorize(identity: &Identity, permission: Permission) -> Result<&CurrentUser, AppError> {
    let user = identity.user().ok_or(AppError::Unauthenticated)?;
    match permission.allowed_roles() {
        None => Ok(user),
        Some(roles) if roles.iter().any(|r| user.roles.contains(r)) => Ok(user),
        Some(_) => Err(AppError::Forbidden),
    }
}

/// A random secret as hex, for session cookies, CSRF and API tokens.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// Accounts and tokens in the audit log: the admin's only.
pub fn register_audit(audit: &mut crate::audit::registry::Registry) {
    use crate::audit::registry::{ObjectKind, Publicity};
    for name in ["user", "api_token"] {
        audit.register(ObjectKind {
            name,
            publicity: Publicity::Private,
        });
    }
}
