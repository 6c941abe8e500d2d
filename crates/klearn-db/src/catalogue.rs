//! The catalogue's query: published courses filtered, sorted and, with a
//! search, ranked by the index (`crate::search`, beside it).

use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::courses::{Course, CourseCard, CourseState};
use crate::error::DbError;
use crate::schema::courses;
use crate::types::{CategoryId, CourseId};

/// How the catalogue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueSort {
    /// With a search: best match first.
    Relevance,
    Popular,
    Newest,
    Rating,
    PriceAsc,
    PriceDesc,
}

/// The catalogue's filters, already checked.
#[derive(Debug, Clone, Default)]
pub struct CatalogueFilter {
    pub category_id: Option<CategoryId>,
    pub level: Option<String>,
    pub format: Option<String>,
    /// `Some(true)`: free only; `Some(false)`: paid only.
    pub free: Option<bool>,
}

/// At most this many search hits are ranked and filtered.
pub const MAX_SEARCH_HITS: i64 = 2000;

/// How many courses a catalogue list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueTotal {
    pub courses: i64,
    /// A search whose hits reached `MAX_SEARCH_HITS`: at least this many
    /// courses match, and only these can be shown.
    pub capped: bool,
}

impl Course {
    /// One page of published courses: filtered, sorted, and, with `q`, searched.
    /// Returns the cards and how many courses the list holds: without a
    /// search, the kept count (`crate::catalogue_counts`, one primary-key
    /// lookup); with one, the hits that pass the filters, of at most
    /// `MAX_SEARCH_HITS`. A page beyond the last is the caller's to clamp,
    /// using the total.
    pub fn catalogue(
        conn: &mut DbConnection,
        q: Option<&str>,
        filter: &CatalogueFilter,
        sort: CatalogueSort,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<CourseCard>, CatalogueTotal), DbError> {
        let hits = match q {
            Some(q) => Some(crate::search::search_courses(conn, q, MAX_SEARCH_HITS)?),
            None => None,
        };
        let capped = hits.as_ref().is_some_and(|h| h.len() as i64 >= MAX_SEARCH_HITS);
        let total = |courses: i64| CatalogueTotal { courses, capped };
        if hits.as_ref().is_some_and(|h| h.is_empty()) {
            return Ok((Vec::new(), total(0)));
        }
        let offset = (page.max(1) - 1) * per_page;
        let unfiltered = filter.category_id.is_none()
            && filter.level.is_none()
            && filter.format.is_none()
            && filter.free.is_none();
        if let (CatalogueSort::Relevance, Some(ranked), true) = (sort, &hits, unfiltered) {
            // The index holds published courses only: its ranking is the answer.
            let page_ids: Vec<CourseId> = ranked
                .iter()
                .skip(offset as usize)
                .take(per_page as usize)
                .copied()
                .collect();
            let cards = Course::cards_in_order(conn, &page_ids)?;
            return Ok((cards, total(ranked.len() as i64)));
        }
        let courses = match &hits {
            None => crate::catalogue_counts::total(conn, filter)?,
            Some(ids) => filtered(ids, filter).count().get_result(conn)?,
        };
        let page_ids = Course::page_ids(conn, hits.as_deref(), filter, sort, offset, per_page)?;
        Ok((Course::cards_in_order(conn, &page_ids)?, total(courses)))
    }

    /// The ids of one page of the list, in its order.
    fn page_ids(
        conn: &mut DbConnection,
        hits: Option<&[CourseId]>,
        filter: &CatalogueFilter,
        sort: CatalogueSort,
        offset: i64,
        per_page: i64,
    ) -> Result<Vec<CourseId>, DbError> {
        let build = || match hits {
            Some(ids) => filtered(ids, filter),
            None => published(filter),
        };
        Ok(match (sort, hits) {
            (CatalogueSort::Relevance, Some(ranked)) => {
                // Rank order comes from the index: keep the ids that pass the filters.
                let passing: std::collections::HashSet<CourseId> = build()
                    .select(courses::id)
                    .load::<CourseId>(conn)?
                    .into_iter()
                    .collect();
                ranked
                    .iter()
                    .filter(|id| passing.contains(id))
                    .skip(offset as usize)
                    .take(per_page as usize)
                    .copied()
                    .collect()
            }
            _ => {
                let query = build();
                let query = match sort {
                    CatalogueSort::Newest => query.order((courses::published_at.desc(), courses::id.desc())),
                    CatalogueSort::Rating => query.order((courses::rating_score.desc(), courses::id.desc())),
                    CatalogueSort::PriceAsc => query.order((courses::price_cents.asc(), courses::id.desc())),
                    CatalogueSort::PriceDesc => {
                        query.order((courses::price_cents.desc(), courses::id.desc()))
                    }
                    CatalogueSort::Popular | CatalogueSort::Relevance => {
                        query.order((courses::learners_count.desc(), courses::id.desc()))
                    }
                };
                query
                    .limit(per_page)
                    .offset(offset)
                    .select(courses::id)
                    .load(conn)?
            }
        })
    }

    /// The cards of these courses, in this order, from one query.
    pub(crate) fn cards_in_order(
        conn: &mut DbConnection,
        ids: &[CourseId],
    ) -> Result<Vec<CourseCard>, DbError> {
        let mut rows = crate::backend::courses_with_experts(conn, ids)?;
        rows.sort_by_key(|(c, _, _)| ids.iter().position(|id| *id == c.id).unwrap_or(usize::MAX));
        Ok(Course::cards(rows))
    }

    /// The newest or most popular published courses, for the home page.
    pub fn top(conn: &mut DbConnection, sort: CatalogueSort, limit: i64) -> Result<Vec<CourseCard>, DbError> {
        let ids = Course::page_ids(conn, None, &CatalogueFilter::default(), sort, 0, limit)?;
        Course::cards_in_order(conn, &ids)
    }

    /// Recomputes the rating score of every course (the mean rating C moves
    /// with every review).
    pub fn refresh_rating_scores(conn: &mut DbConnection) -> Result<f64, DbError> {
        crate::backend::refresh_rating_scores(conn)
    }
}

/// Published courses that pass the filters (the covering indexes of
/// migration 4 serve the filters and sorts; only a page's cards are joined
/// with their experts).
fn published(filter: &CatalogueFilter) -> courses::BoxedQuery<'static, crate::connection::MultiBackend> {
    let mut query = courses::table
        .filter(courses::state.eq(CourseState::Published))
        .into_boxed();
    if let Some(c) = filter.category_id {
        query = query.filter(courses::category_id.eq(c));
    }
    if let Some(l) = &filter.level {
        query = query.filter(courses::level.eq(l.clone()));
    }
    if let Some(f) = &filter.format {
        query = query.filter(courses::format.eq(f.clone()));
    }
    match filter.free {
        Some(true) => query = query.filter(courses::price_cents.eq(0)),
        Some(false) => query = query.filter(courses::price_cents.gt(0)),
        None => {}
    }
    query
}

/// The search's hits among them.
fn filtered(
    hits: &[CourseId],
    filter: &CatalogueFilter,
) -> courses::BoxedQuery<'static, crate::connection::MultiBackend> {
    published(filter).filter(courses::id.eq_any(hits.to_vec()))
}
