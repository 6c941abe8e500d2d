//! Page links for lists paged with `page=N` (the catalogue, the admin tables), keeping the filters.

/// One page of a list: `page=N`, with links that keep the filters.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The list was capped: at least `total` items match, of which only
    /// `total` can be shown (so no "of N" is claimed).
    pub capped: bool,
    /// The query string of the filters, without `page`.
    pub base_query: String,
}

impl Pager {
    pub fn new(page: i64, per_page: i64, total: i64, filters: &[(&str, &str)]) -> Self {
        let pages = last_page(total, per_page);
        let base_query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(filters.iter().filter(|(_, v)| !v.is_empty()))
            .finish();
        Self {
            page: page.clamp(1, pages),
            pages,
            total,
            capped: false,
            base_query,
        }
    }

    /// Marks the list as capped at its total (a search's ranked hits).
    pub fn at_least(mut self, capped: bool) -> Self {
        self.capped = capped;
        self
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

/// `page=N` as sent; anything that is not a positive number is page 1.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(1_000_000)
}

/// The last page of `total` items, `per_page` a page (1 for an empty list).
pub fn last_page(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}
