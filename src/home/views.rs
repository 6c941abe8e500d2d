//! Views of the home page.

use askama::Template;
use klearn_db::categories::Category;

use crate::web::Page;

#[derive(Template)]
#[template(path = "home/index.html")]
pub struct HomeView {
    pub page: Page,
    pub course_categories: Vec<Category>,
}
