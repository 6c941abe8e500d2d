//! Page links for lists paged with `page=N` (the catalogue, the admin tables), keeping the filters.

/// One page of a list: `page=N`, with links that keep the filters.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The query string of the filters, without `page`.
    pub base_query: String,
}

impl Pager {
    pub fn new(page: i64, per_page: i64, total: i64, filters: &[(&str, &str)]) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let base_query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(filters.iter().filter(|(_, v)| !v.is_empty()))
            .finish();
        Self {
            page: page.clamp(1, pages),
            pages,
            total,
            base_query,
        }
    }

    pub fn href(&self, page: i64) -> String {
        if self.base_query.is_empty() {
            format!("?page={page}")
        } else {
            format!("?{}&page={page}", self.base_query)
        }
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
}
