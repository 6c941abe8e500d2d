//! Account rules: usernames, email addresses, passwords and roles. Each type
//! can only be built by `parse`, so whatever holds one knows it is valid.

use std::collections::HashSet;
use std::sync::OnceLock;

/// A translation key that says what is wrong with an input.
pub type Problem = &'static str;

/// 3–32 characters of `[A-Za-z0-9_-]`; unique case-insensitively (checked by the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// Names that would confuse people about who speaks.
const RESERVED: &[&str] = &[
    "admin",
    "apply",
    "administrator",
    "moderator",
    "mod",
    "root",
    "system",
    "klearn",
    "support",
    "staff",
    "help",
    "security",
    "deleted",
    "anonymous",
    "null",
    "undefined",
    "webmaster",
    "postmaster",
];

impl Username {
    pub fn parse(input: &str) -> Result<Username, Problem> {
        let name = input.trim();
        if name.chars().count() < 3 {
            return Err("accounts.error.username_short");
        }
        if name.chars().count() > 32 {
            return Err("accounts.error.username_long");
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err("accounts.error.username_chars");
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED.contains(&lower.as_str()) || lower.starts_with("deleted-") {
            return Err("accounts.error.username_reserved");
        }
        Ok(Username(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as people type it: one `@`, a dotted domain, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, Problem> {
        let email = input.trim();
        if email.is_empty() {
            return Err("accounts.error.email_required");
        }
        if email.len() > 254 {
            return Err("accounts.error.email_invalid");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("accounts.error.email_invalid");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
        if !domain_ok || !local_ok || email.parse::<lettre::Address>().is_err() {
            return Err("accounts.error.email_invalid");
        }
        Ok(Email(email.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–128 characters, not among the 10,000 most common.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .map(str::trim)
            .collect()
    })
}

impl NewPassword {
    pub fn parse(password: &str, confirm: &str) -> Result<NewPassword, Problem> {
        let length = password.chars().count();
        if length < 10 {
            return Err("accounts.error.password_short");
        }
        if length > 128 {
            return Err("accounts.error.password_long");
        }
        let common = common_passwords();
        if common.contains(password) || common.contains(password.to_lowercase().as_str()) {
            return Err("accounts.error.password_common");
        }
        if password != confirm {
            return Err("accounts.error.password_mismatch");
        }
        Ok(NewPassword(password.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What a user may do beyond learning. Every account is a learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Expert,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Expert, Role::Moderator, Role::Admin];

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "expert" => Some(Role::Expert),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Expert => "expert",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Whether holding `self` grants `wanted`: admin implies moderator.
    pub fn grants(self, wanted: Role) -> bool {
        self == wanted || (self == Role::Admin && wanted == Role::Moderator)
    }
}

/// Tags of interest: comma separated (either comma), trimmed, lower-cased,
/// each 1–30 characters, at most 10, no repeats.
pub fn parse_tags(input: &str) -> Result<Vec<String>, Problem> {
    let mut tags: Vec<String> = Vec::new();
    for raw in input.split([',', '，', '、']) {
        let tag = raw.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 30 {
            return Err("accounts.error.tag_long");
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > 10 {
        return Err("accounts.error.tags_many");
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("ada_lovelace-1").is_ok());
        assert_eq!(Username::parse("  ada  ").unwrap().as_str(), "ada");
        assert_eq!(Username::parse("ab"), Err("accounts.error.username_short"));
        assert_eq!(
            Username::parse(&"a".repeat(33)),
            Err("accounts.error.username_long")
        );
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert_eq!(Username::parse("张三丰"), Err("accounts.error.username_chars"));
        assert_eq!(Username::parse("a b c"), Err("accounts.error.username_chars"));
        assert_eq!(Username::parse("<script>"), Err("accounts.error.username_chars"));
        assert_eq!(Username::parse("Admin"), Err("accounts.error.username_reserved"));
        assert_eq!(
            Username::parse("deleted-12"),
            Err("accounts.error.username_reserved")
        );
    }

    #[test]
    fn emails() {
        assert!(Email::parse("ada@example.com").is_ok());
        assert!(Email::parse("Ada.Lovelace+klearn@mail.example.cn").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "<ada@example.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(NewPassword::parse("correct horse battery", "correct horse battery").is_ok());
        assert_eq!(
            NewPassword::parse("short", "short"),
            Err("accounts.error.password_short")
        );
        let long = "x".repeat(129);
        assert_eq!(
            NewPassword::parse(&long, &long),
            Err("accounts.error.password_long")
        );
        assert_eq!(
            NewPassword::parse("1234567890", "1234567890"),
            Err("accounts.error.password_common")
        );
        assert_eq!(
            NewPassword::parse("Password123", "Password123"),
            Err("accounts.error.password_common")
        );
        assert_eq!(
            NewPassword::parse("correct horse battery", "correct horse batterY"),
            Err("accounts.error.password_mismatch")
        );
        // Counted in characters, not bytes.
        assert!(NewPassword::parse("密码是十个汉字的长度吗", "密码是十个汉字的长度吗").is_ok());
    }

    #[test]
    fn the_common_list_has_ten_thousand_entries() {
        assert_eq!(common_passwords().len(), 10_000);
    }

    #[test]
    fn admin_implies_moderator_and_nothing_else_implies_anything() {
        for held in Role::ALL {
            for wanted in Role::ALL {
                let expected = held == wanted || (held == Role::Admin && wanted == Role::Moderator);
                assert_eq!(held.grants(wanted), expected, "{held:?} -> {wanted:?}");
            }
        }
    }

    #[test]
    fn tags() {
        assert_eq!(
            parse_tags("Rust, Go，数据库、rust").unwrap(),
            vec!["rust", "go", "数据库"]
        );
        assert_eq!(parse_tags(" , ").unwrap(), Vec::<String>::new());
        let many: String = (0..11).map(|i| format!("t{i},")).collect();
        assert_eq!(parse_tags(&many), Err("accounts.error.tags_many"));
        assert_eq!(parse_tags(&"长".repeat(31)), Err("accounts.error.tag_long"));
    }
}
