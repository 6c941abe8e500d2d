//! Views of the home page.

use askama::Template;
use klearn_db::categories::Category;
use klearn_db::courses::CourseCard;

use crate::experts::ExpertCard;
use crate::forum::pages::ThreadRow;
use crate::forum::views::ThreadBadges;
use crate::web::Page;

#[derive(Template)]
#[template(path = "home/index.html")]
pub struct HomeView {
    pub page: Page,
    pub course_categories: Vec<Category>,
    /// Moderator-picked courses with their cover URLs.
    pub featured: Vec<(CourseCard, Option<String>)>,
    pub newest: Vec<(CourseCard, Option<String>)>,
    pub popular: Vec<(CourseCard, Option<String>)>,
    /// The best-rated certified experts.
    pub experts: Vec<ExpertCard>,
    /// The threads with the latest replies anywhere in the forum.
    pub threads: Vec<ThreadRow>,
}

/// One list of courses on the home page: its heading key, anchor id, cards and "see all" link.
pub struct HomeSection<'a> {
    pub key: &'static str,
    pub id: &'static str,
    pub cards: &'a [(CourseCard, Option<String>)],
    pub more: &'static str,
}

impl HomeView {
    pub fn sections(&self) -> Vec<HomeSection<'_>> {
        vec![
            HomeSection {
                key: "home.featured_title",
                id: "featured",
                cards: &self.featured,
                more: "",
            },
            HomeSection {
                key: "home.popular_title",
                id: "popular",
                cards: &self.popular,
                more: "/courses?sort=popular",
            },
            HomeSection {
                key: "home.newest_title",
                id: "newest",
                cards: &self.newest,
                more: "/courses?sort=newest",
            },
        ]
    }
}
