//! The demo community that `klearn seed --demo` and `klearn serve --demo` load
//! into an empty database, in Chinese and English.

use klearn_db::categories::{Category, NewCategory, COURSE, FORUM};
use klearn_db::users::{ProfileChanges, User};
use klearn_db::{DbConnection, Pool};

use crate::accounts::create_verified_account;
use crate::accounts::password::Passwords;
use crate::domain::account::{Email, Role, Username};

/// The password of every demo account (CONTRACT.md).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// The demo accounts: username, display name, roles, bio.
const ACCOUNTS: &[(&str, &str, &[Role], &str)] = &[
    ("demo_admin", "Klearn 管理员", &[Role::Admin], "负责 Klearn 的站点设置与角色管理。\n\nI look after Klearn's settings and roles."),
    ("demo_moderator", "社区版主林舟", &[Role::Moderator], "维护社区秩序，审核课程与专家申请。\n\nI keep the community friendly and review courses."),
    ("demo_expert", "陈立 Chen Li", &[Role::Expert], "十年后端开发，专注 **Rust** 与分布式系统。\n\nTen years of backend work; Rust and distributed systems."),
    ("demo_learner", "学员小周", &[], "正在从 Python 转向 Rust 的后端工程师。\n\nA backend engineer moving from Python to Rust."),
];

/// What was loaded, printed for the newcomer.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub skipped: bool,
    pub course_categories: usize,
    pub forum_categories: usize,
    /// The demo accounts that exist, with their roles.
    pub accounts: Vec<(String, String)>,
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            writeln!(f, "Demo: the database already has content; nothing was loaded.")?;
        } else {
            writeln!(f, "Demo community loaded:")?;
            writeln!(f, "  {} course categories", self.course_categories)?;
            writeln!(f, "  {} forum categories", self.forum_categories)?;
        }
        if !self.accounts.is_empty() {
            writeln!(f, "Demo accounts (password: {DEMO_PASSWORD}):")?;
            for (name, roles) in &self.accounts {
                writeln!(f, "  {name:<16} {roles}")?;
            }
        }
        Ok(())
    }
}

struct DemoCategory {
    slug: &'static str,
    zh: &'static str,
    en: &'static str,
    about_zh: &'static str,
    about_en: &'static str,
}

const COURSE_CATEGORIES: &[DemoCategory] = &[
    DemoCategory {
        slug: "rust",
        zh: "Rust",
        en: "Rust",
        about_zh: "所有权、并发与高性能系统编程",
        about_en: "Ownership, concurrency and fast systems code",
    },
    DemoCategory {
        slug: "go",
        zh: "Go",
        en: "Go",
        about_zh: "云原生服务与并发编程",
        about_en: "Cloud-native services and concurrency",
    },
    DemoCategory {
        slug: "python",
        zh: "Python",
        en: "Python",
        about_zh: "从脚本到数据工程",
        about_en: "From scripts to data engineering",
    },
    DemoCategory {
        slug: "frontend",
        zh: "前端",
        en: "Frontend",
        about_zh: "浏览器、框架与用户体验",
        about_en: "Browsers, frameworks and user experience",
    },
    DemoCategory {
        slug: "ai-ml",
        zh: "人工智能与机器学习",
        en: "AI / ML",
        about_zh: "模型、训练与落地",
        about_en: "Models, training and putting them to work",
    },
    DemoCategory {
        slug: "databases",
        zh: "数据库",
        en: "Databases",
        about_zh: "SQL、索引与存储引擎",
        about_en: "SQL, indexes and storage engines",
    },
    DemoCategory {
        slug: "devops",
        zh: "DevOps",
        en: "DevOps",
        about_zh: "部署、监控与可靠性",
        about_en: "Deployment, monitoring and reliability",
    },
    DemoCategory {
        slug: "career",
        zh: "职业发展",
        en: "Career",
        about_zh: "面试、成长与技术领导力",
        about_en: "Interviews, growth and technical leadership",
    },
];

const FORUM_CATEGORIES: &[DemoCategory] = &[
    DemoCategory {
        slug: "general",
        zh: "综合讨论",
        en: "General",
        about_zh: "编程与学习的一切话题",
        about_en: "Anything about programming and learning",
    },
    DemoCategory {
        slug: "questions",
        zh: "问答",
        en: "Questions",
        about_zh: "提问并采纳最佳答案",
        about_en: "Ask, and accept the best answer",
    },
    DemoCategory {
        slug: "showcase",
        zh: "作品展示",
        en: "Showcase",
        about_zh: "分享你做的项目",
        about_en: "Share what you built",
    },
    DemoCategory {
        slug: "site-feedback",
        zh: "站务反馈",
        en: "Site feedback",
        about_zh: "对 Klearn 的建议与问题",
        about_en: "Ideas and problems with Klearn itself",
    },
];

fn rows(kind: &'static str, list: &'static [DemoCategory]) -> Vec<NewCategory<'static>> {
    let now = klearn_db::now();
    list.iter()
        .enumerate()
        .map(|(i, c)| NewCategory {
            kind,
            slug: c.slug,
            name_zh: c.zh,
            name_en: c.en,
            description_zh: c.about_zh,
            description_en: c.about_en,
            position: i as i32,
            created_at: now,
        })
        .collect()
}

/// Loads the demo into an empty database; a database with content is left alone.
pub fn load(pool: &Pool) -> anyhow::Result<DemoReport> {
    let mut conn = pool.get()?;
    let empty = Category::count(&mut conn)? == 0 && User::count_live(&mut conn)? == 0;
    let mut report = DemoReport {
        skipped: !empty,
        ..Default::default()
    };
    if empty {
        report.course_categories = Category::insert_missing(&mut conn, &rows(COURSE, COURSE_CATEGORIES))?;
        report.forum_categories = Category::insert_missing(&mut conn, &rows(FORUM, FORUM_CATEGORIES))?;
        load_accounts(&mut conn)?;
    }
    for (name, _, _, _) in ACCOUNTS {
        if let Ok(user) = User::find_by_username(&mut conn, name) {
            let roles = User::roles(&mut conn, user.id)?;
            let roles = if roles.is_empty() {
                "learner".to_string()
            } else {
                roles.join(", ")
            };
            report.accounts.push((user.username, roles));
        }
    }
    Ok(report)
}

fn load_accounts(conn: &mut DbConnection) -> anyhow::Result<()> {
    // One hash for all four: they share the password, and argon2 is slow on purpose.
    let hash = Passwords::hash_blocking(DEMO_PASSWORD)?;
    for (name, display, roles, bio) in ACCOUNTS {
        let username = Username::parse(name).map_err(|k| anyhow::anyhow!("{name}: {k}"))?;
        let email =
            Email::parse(&format!("{name}@example.com")).map_err(|k| anyhow::anyhow!("{name}: {k}"))?;
        let user = create_verified_account(conn, &username, &email, &hash, display, roles, "demo community")?;
        User::update_profile(
            conn,
            user.id,
            &ProfileChanges {
                display_name: display.to_string(),
                bio: bio.to_string(),
                bio_html: crate::markdown::render(bio),
                locale: "zh-CN".into(),
                updated_at: klearn_db::now(),
            },
        )?;
    }
    Ok(())
}
