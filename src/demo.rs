//! The demo community that `klearn seed --demo` and `klearn serve --demo` load
//! into an empty database, in Chinese and English.

use klearn_db::categories::{Category, NewCategory, COURSE, FORUM};
use klearn_db::Pool;

/// What was loaded, printed for the newcomer.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub skipped: bool,
    pub course_categories: usize,
    pub forum_categories: usize,
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            return writeln!(f, "Demo: the database already has content; nothing was loaded.");
        }
        writeln!(f, "Demo community loaded:")?;
        writeln!(f, "  {} course categories", self.course_categories)?;
        write!(f, "  {} forum categories", self.forum_categories)
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
    if Category::count(&mut conn)? > 0 {
        return Ok(DemoReport {
            skipped: true,
            ..Default::default()
        });
    }
    let course_categories = Category::insert_missing(&mut conn, &rows(COURSE, COURSE_CATEGORIES))?;
    let forum_categories = Category::insert_missing(&mut conn, &rows(FORUM, FORUM_CATEGORIES))?;
    Ok(DemoReport {
        skipped: false,
        course_categories,
        forum_categories,
    })
}
