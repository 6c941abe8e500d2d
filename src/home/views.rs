//! Views of the home page.

use askama::Template;
use klearn_db::categories::Category;
use klearn_db::courses::CourseCard;

use crate::web::Page;

#[derive(Template)]
#[template(path = "home/index.html")]
pub struct HomeView {
    pub page: Page,
    pub course_categories: Vec<Category>,
    /// Moderator-picked courses with their cover URLs.
    pub featured: Vec<(CourseCard, Option<String>)>,
}
