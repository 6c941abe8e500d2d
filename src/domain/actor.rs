//! Who acts in a use case: a member, with the roles and certification the
//! request saw, or the site itself (the command line, the demo loader, a
//! job), which acts with every role and is recorded as nobody in the audit.

use klearn_db::types::UserId;

use super::account::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    System,
    Member {
        id: UserId,
        roles: Vec<Role>,
        /// A certified expert (an application that went through every step).
        certified: bool,
    },
}

impl Actor {
    /// A member with these roles, not certified.
    pub fn member(id: UserId, roles: &[Role]) -> Actor {
        Actor::Member {
            id,
            roles: roles.to_vec(),
            certified: false,
        }
    }

    /// The member's id; `None` for the site itself (the audit's "system").
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::System => None,
            Actor::Member { id, .. } => Some(*id),
        }
    }

    /// Whether this is that member.
    pub fn is(&self, user: UserId) -> bool {
        self.user_id() == Some(user)
    }

    pub fn has(&self, role: Role) -> bool {
        match self {
            Actor::System => true,
            Actor::Member { roles, .. } => roles.iter().any(|r| r.grants(role)),
        }
    }

    pub fn is_moderator(&self) -> bool {
        self.has(Role::Moderator)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// Who may set a price above zero: a certified expert (the bare expert
    /// role, granted by an admin, opens the studio for free courses only).
    pub fn may_charge(&self) -> bool {
        match self {
            Actor::System => true,
            Actor::Member { certified, .. } => *certified && self.has(Role::Expert),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_they_include_and_the_site_may_do_anything() {
        let admin = Actor::member(UserId(1), &[Role::Admin]);
        assert!(admin.is_moderator() && admin.is_admin());
        let expert = Actor::member(UserId(2), &[Role::Expert]);
        assert!(!expert.is_moderator() && !expert.may_charge());
        let certified = Actor::Member {
            id: UserId(3),
            roles: vec![Role::Expert],
            certified: true,
        };
        assert!(certified.may_charge());
        assert!(Actor::System.is_admin() && Actor::System.user_id().is_none());
        assert!(certified.is(UserId(3)) && !certified.is(UserId(2)));
    }
}
