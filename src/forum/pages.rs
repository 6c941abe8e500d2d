//! What the forum's pages read: thread lists with their people, tags and
//! boards (a fixed number of queries per page, never one per thread or
//! post), the forum's front page, a thread's page of posts, and who may post.
//! What every viewer sees alike (lists, a thread's posts) is apart from the
//! viewer's own (likes, who may post), so the first can be kept.

use std::collections::HashMap;

use klearn_db::categories::{Category, FORUM};
use klearn_db::courses::{Course, CourseState};
use klearn_db::experts::certified_among;
use klearn_db::forum::{Board, Cursor, ListSort, Post, PostLike, Thread, ThreadList};
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use klearn_db::{search, CourseId, DbConnection, DbError, PostId, PostState, ThreadId, UserId, WatchLevel};

use super::posting::may_post;
use super::ForumError;
use crate::domain::actor::Actor;
use crate::domain::forum::{numbers_on, THREADS_PER_PAGE};
use crate::web::kept::{Kept, Weigh};

/// Where a thread lives, as a link.
#[derive(Debug, Clone)]
pub struct BoardLink {
    pub name: String,
    pub url: String,
}

impl BoardLink {
    pub fn category(category: &Category, lang: &str) -> BoardLink {
        BoardLink {
            name: category.name(lang).to_string(),
            url: format!("/forum/{}", category.slug),
        }
    }

    pub fn course(course: &Course) -> BoardLink {
        BoardLink {
            name: course.title.clone(),
            url: format!("/courses/{}/discussions", course.slug),
        }
    }

    /// One board's link, from one query.
    pub fn of(conn: &mut DbConnection, board: Board, lang: &str) -> Result<BoardLink, DbError> {
        Ok(match board {
            Board::Category(id) => BoardLink::category(&Category::find(conn, id)?, lang),
            Board::Course(id) => BoardLink::course(&Course::find(conn, id)?),
        })
    }
}

/// A thread as a list shows it.
#[derive(Debug, Clone)]
pub struct ThreadRow {
    pub thread: Thread,
    pub author: String,
    pub last_poster: String,
    pub tags: Vec<String>,
    pub board: BoardLink,
}

/// The people, tags and boards of these threads, from four queries.
pub fn rows(conn: &mut DbConnection, threads: Vec<Thread>, lang: &str) -> Result<Vec<ThreadRow>, DbError> {
    if threads.is_empty() {
        return Ok(Vec::new());
    }
    let mut people: Vec<UserId> = threads
        .iter()
        .flat_map(|t| [t.author_id, t.last_poster_id])
        .collect();
    people.sort_by_key(|u| u.0);
    people.dedup();
    let names: HashMap<UserId, String> = User::find_many(conn, &people)?
        .into_iter()
        .map(|u| (u.id, u.shown_name().to_string()))
        .collect();
    let ids: Vec<ThreadId> = threads.iter().map(|t| t.id).collect();
    let mut tags: HashMap<ThreadId, Vec<String>> = HashMap::new();
    for (id, tag) in Thread::tags_of(conn, &ids)? {
        tags.entry(id).or_default().push(tag);
    }
    let boards = board_links(conn, &threads, lang)?;
    Ok(threads
        .into_iter()
        .map(|thread| ThreadRow {
            author: names.get(&thread.author_id).cloned().unwrap_or_default(),
            last_poster: names.get(&thread.last_poster_id).cloned().unwrap_or_default(),
            tags: tags.remove(&thread.id).unwrap_or_default(),
            board: boards.get(&thread.board()).cloned().unwrap_or(BoardLink {
                name: String::new(),
                url: "/forum".into(),
            }),
            thread,
        })
        .collect())
}

fn board_links(
    conn: &mut DbConnection,
    threads: &[Thread],
    lang: &str,
) -> Result<HashMap<Board, BoardLink>, DbError> {
    let mut links = HashMap::new();
    for category in Category::list_all(conn)?.into_iter().filter(|c| c.kind == FORUM) {
        links.insert(Board::Category(category.id), BoardLink::category(&category, lang));
    }
    let courses: Vec<CourseId> = threads.iter().filter_map(|t| t.course_id).collect();
    if !courses.is_empty() {
        for course in Course::find_many(conn, &courses)? {
            links.insert(Board::Course(course.id), BoardLink::course(&course));
        }
    }
    Ok(links)
}

/// One page of a list: pinned threads (on a board's first latest page),
/// the threads, and the cursor of the next page when there is one.
#[derive(Clone)]
pub struct ListPage {
    pub pinned: Vec<ThreadRow>,
    pub rows: Vec<ThreadRow>,
    pub next: Option<Cursor>,
}

impl ListPage {
    pub fn load(
        conn: &mut DbConnection,
        board: Option<Board>,
        sort: ListSort,
        before: Option<Cursor>,
        lang: &str,
    ) -> Result<ListPage, DbError> {
        let list = ThreadList {
            board,
            sort,
            before,
            limit: THREADS_PER_PAGE + 1,
        };
        let mut threads = list.load(conn)?;
        let next = if threads.len() as i64 > THREADS_PER_PAGE {
            threads.truncate(THREADS_PER_PAGE as usize);
            threads.last().map(|t| Cursor::after(t, sort))
        } else {
            None
        };
        let pinned = match (board, sort, before) {
            (Some(board), ListSort::Latest, None) => ThreadList::pinned(conn, board)?,
            _ => Vec::new(),
        };
        let first = pinned.len();
        let mut all = rows(conn, pinned.into_iter().chain(threads).collect(), lang)?;
        let rest = all.split_off(first);
        Ok(ListPage {
            pinned: all,
            rows: rest,
            next,
        })
    }
}

/// The `n` threads with the latest activity anywhere, for the home page.
pub fn active_threads(conn: &mut DbConnection, n: i64, lang: &str) -> Result<Vec<ThreadRow>, DbError> {
    let list = ThreadList {
        board: None,
        sort: ListSort::Latest,
        before: None,
        limit: n,
    };
    let threads = list.load(conn)?;
    rows(conn, threads, lang)
}

/// A category on the forum's front page.
#[derive(Clone)]
pub struct CategoryCard {
    pub category: Category,
    pub latest: Option<ThreadRow>,
}

/// The forum's front page: its categories, each with its latest thread,
/// and the latest threads everywhere (or, with a query, the threads found).
/// The same for every viewer in a language.
#[derive(Clone)]
pub struct ForumHome {
    pub categories: Vec<CategoryCard>,
    pub list: ListPage,
    /// The threads found, each with the post that matched best.
    pub found: Vec<(ThreadRow, Post)>,
}

/// How many threads a search shows.
const FOUND: i64 = 30;

impl ForumHome {
    pub fn load(
        conn: &mut DbConnection,
        q: &str,
        before: Option<Cursor>,
        lang: &str,
    ) -> Result<ForumHome, DbError> {
        let categories = Category::list(conn, FORUM)?;
        let mut cards = Vec::new();
        if before.is_none() && q.is_empty() {
            for category in categories {
                let list = ThreadList {
                    board: Some(Board::Category(category.id)),
                    sort: ListSort::Latest,
                    before: None,
                    limit: 1,
                };
                let threads = list.load(conn)?;
                let latest = rows(conn, threads, lang)?.into_iter().next();
                cards.push(CategoryCard { category, latest });
            }
        }
        if q.trim().is_empty() {
            return Ok(ForumHome {
                categories: cards,
                list: ListPage::load(conn, None, ListSort::Latest, before, lang)?,
                found: Vec::new(),
            });
        }
        let hits = search::search_threads(conn, q, FOUND)?;
        let threads = Thread::find_many(conn, &hits.iter().map(|(t, _)| *t).collect::<Vec<_>>())?;
        let posts = Post::find_many(conn, &hits.iter().map(|(_, p)| *p).collect::<Vec<_>>())?;
        let ordered: Vec<Thread> = hits
            .iter()
            .filter_map(|(id, _)| {
                threads
                    .iter()
                    .find(|t| t.id == *id && t.state == PostState::Visible)
                    .cloned()
            })
            .collect();
        let found = rows(conn, ordered, lang)?
            .into_iter()
            .filter_map(|row| {
                let (_, post) = hits.iter().find(|(t, _)| *t == row.thread.id)?;
                let post = posts.iter().find(|p| p.id == *post)?.clone();
                Some((row, post))
            })
            .collect();
        Ok(ForumHome {
            categories: cards,
            list: ListPage {
                pinned: Vec::new(),
                rows: Vec::new(),
                next: None,
            },
            found,
        })
    }
}

impl ThreadRow {
    /// About how many bytes the row holds.
    pub fn weight(&self) -> usize {
        self.thread.title.len()
            + self.author.len()
            + self.last_poster.len()
            + self.tags.iter().map(|t| t.len() + 24).sum::<usize>()
            + self.board.name.len()
            + self.board.url.len()
            + 384
    }
}

impl Weigh for ListPage {
    fn weight(&self) -> usize {
        self.pinned
            .iter()
            .chain(&self.rows)
            .map(ThreadRow::weight)
            .sum::<usize>()
            + 64
    }
}

impl Weigh for ForumHome {
    fn weight(&self) -> usize {
        let cards = self
            .categories
            .iter()
            .map(|c| 256 + c.latest.as_ref().map_or(0, ThreadRow::weight));
        let found = self
            .found
            .iter()
            .map(|(row, post)| row.weight() + post.body.len() + post.body_html.len());
        cards.sum::<usize>() + found.sum::<usize>() + self.list.weight()
    }
}

/// The forum's front page as read, per language (a search is not kept).
pub type KeptForumHome = Kept<ForumHome>;

/// A board's header: its title, description and course.
#[derive(Clone)]
pub struct BoardHead {
    pub title: String,
    pub description: String,
    pub course: Option<Course>,
}

/// A board's list page as every viewer sees it: the board, its header and
/// a page of its threads (who may post there is the viewer's own).
#[derive(Clone)]
pub struct BoardList {
    pub board: Board,
    pub head: BoardHead,
    pub list: ListPage,
}

/// Boards' list pages as read, by board, sort, period, cursor and language.
pub type KeptBoards = Kept<BoardList>;

impl Weigh for BoardList {
    fn weight(&self) -> usize {
        self.head.title.len() + self.head.description.len() + 512 + self.list.weight()
    }
}

/// Threads' pages as read, by thread, page and language.
pub type KeptThreads = Kept<ThreadPosts>;

/// A post as a thread page shows it.
#[derive(Debug, Clone)]
pub struct PostCard {
    pub post: Post,
    pub author: User,
    pub avatar_url: Option<String>,
    pub certified: bool,
    /// The author is the expert of the course whose board this is.
    pub course_expert: bool,
    pub liked: bool,
}

/// Whether and how the viewer may post here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    Allowed,
    SignIn,
    Verify,
    MembersOnly,
    Locked,
}

/// A course's board: the course as its header shows it.
#[derive(Debug, Clone)]
pub struct CourseBoard {
    pub course: Course,
}

/// One page of a thread as every viewer sees it: the thread, its board,
/// its posts with their authors (nothing of the viewer's: no likes), so it
/// is kept by the site's generation (`web::kept`).
#[derive(Clone)]
pub struct ThreadPosts {
    pub thread: Thread,
    pub tags: Vec<String>,
    pub board: BoardLink,
    pub course: Option<Course>,
    pub posts: Vec<PostCard>,
    pub accepted: Option<PostCard>,
    pub page: i64,
    pub pages: i64,
    /// The forum categories a category's thread could move to, for
    /// moderators (none for a course board's thread).
    pub moves: Vec<(String, String)>,
}

impl ThreadPosts {
    /// Page `page` of a thread, whoever looks (a page past the end is not
    /// found; who may see the thread at all is [`ThreadPosts::visible_to`]).
    pub fn load(
        conn: &mut DbConnection,
        id: ThreadId,
        page: i64,
        lang: &str,
    ) -> Result<ThreadPosts, DbError> {
        let thread = Thread::find(conn, id)?;
        let pages = crate::domain::forum::page_of(thread.last_number);
        if page < 1 || page > pages {
            return Err(DbError::NotFound);
        }
        let course = match thread.course_id {
            Some(course) => Some(Course::find(conn, course)?),
            None => None,
        };
        let (from, to) = numbers_on(page);
        let mut posts = Post::range(conn, id, from, to)?;
        let accepted_post = match thread.accepted_post_id {
            Some(accepted) if page == 1 => posts
                .iter()
                .find(|p| p.id == accepted)
                .cloned()
                .or(Some(Post::find(conn, accepted)?)),
            _ => None,
        };
        if let Some(accepted) = &accepted_post {
            if !posts.iter().any(|p| p.id == accepted.id) {
                posts.push(accepted.clone());
            }
        }
        let mut cards = cards(conn, posts, course.as_ref().map(|c| c.owner_id))?;
        let accepted = accepted_post.and_then(|a| {
            let i = cards.iter().position(|c| c.post.id == a.id)?;
            if a.number >= from && a.number <= to {
                Some(cards[i].clone())
            } else {
                Some(cards.remove(i))
            }
        });
        let board = match &course {
            Some(course) => BoardLink::course(course),
            None => BoardLink::of(conn, thread.board(), lang)?,
        };
        let moves = match thread.course_id {
            Some(_) => Vec::new(),
            None => Category::list(conn, FORUM)?
                .into_iter()
                .filter(|c| Some(c.id) != thread.category_id)
                .map(|c| (c.slug.clone(), c.name(lang).to_string()))
                .collect(),
        };
        Ok(ThreadPosts {
            tags: Thread::tags(conn, id)?,
            thread,
            board,
            course,
            posts: cards,
            accepted,
            page,
            pages,
            moves,
        })
    }

    /// A deleted thread, or one on an unpublished course's board, is the
    /// moderators' only; a held or hidden one its author's too.
    pub fn visible_to(&self, viewer: Option<&Actor>) -> bool {
        let on_view = self
            .course
            .as_ref()
            .is_none_or(|c| c.state == CourseState::Published);
        let public = self.thread.state == PostState::Visible && on_view;
        let authors = matches!(self.thread.state, PostState::Held | PostState::Hidden)
            && on_view
            && viewer.is_some_and(|v| v.is(self.thread.author_id));
        public || authors || viewer.is_some_and(Actor::is_moderator)
    }

    /// The posts of the page, the accepted answer's too.
    pub fn post_ids(&self) -> Vec<PostId> {
        self.posts
            .iter()
            .chain(&self.accepted)
            .map(|c| c.post.id)
            .collect()
    }
}

impl Weigh for ThreadPosts {
    fn weight(&self) -> usize {
        let card = |c: &PostCard| c.post.body.len() + c.post.body_html.len() + 1024;
        self.posts.iter().chain(&self.accepted).map(card).sum::<usize>()
            + self.moves.len() * 128
            + self.thread.title.len()
            + 1024
    }
}

/// What a signed-in viewer has of their own on a thread's page: the posts
/// they liked, and whether they may reply.
#[derive(Debug, Clone)]
pub struct ThreadStanding {
    pub liked: Vec<PostId>,
    pub posting: Posting,
    /// How closely the viewer follows the thread.
    pub watch: Option<WatchLevel>,
    /// How many of the viewer's notifications this visit read.
    pub read_now: usize,
}

impl ThreadStanding {
    /// From one call: the viewer's likes among `posts` and who may post.
    pub fn load(
        conn: &mut DbConnection,
        viewer: &Actor,
        thread: &Thread,
        posts: &[PostId],
    ) -> Result<ThreadStanding, DbError> {
        let liked = match viewer.user_id() {
            Some(me) => PostLike::liked_among(conn, me, posts)?,
            None => Vec::new(),
        };
        let (watch, read_now) = match viewer.user_id() {
            Some(me) => {
                let (level, read) = crate::notifications::watching::thread_seen(conn, me, thread.id)?;
                (Some(level), read)
            }
            None => (None, 0),
        };
        Ok(ThreadStanding {
            liked,
            posting: posting(conn, viewer, thread)?,
            watch,
            read_now,
        })
    }
}

/// One page of a thread as one viewer sees it.
pub struct ThreadPage {
    pub thread: Thread,
    pub tags: Vec<String>,
    pub board: BoardLink,
    pub course: Option<Course>,
    pub posts: Vec<PostCard>,
    /// The accepted answer, shown under the question on the first page.
    pub accepted: Option<PostCard>,
    pub page: i64,
    pub pages: i64,
    pub posting: Posting,
    /// How closely a signed-in viewer follows the thread.
    pub watch: Option<WatchLevel>,
    /// The viewer may accept answers here.
    pub may_accept: bool,
    /// For a moderator: the forum categories the thread can move to (none
    /// for a course board's thread); `None` for everyone else.
    pub moderation: Option<Vec<(String, String)>>,
}

impl ThreadPage {
    /// Page `page` of a thread as `viewer` sees it (a deleted thread only
    /// for moderators; a page past the end is not found), from one call.
    pub fn load(
        conn: &mut DbConnection,
        id: ThreadId,
        page: i64,
        viewer: Option<&Actor>,
        lang: &str,
    ) -> Result<ThreadPage, ForumError> {
        let posts = ThreadPosts::load(conn, id, page, lang)?;
        if !posts.visible_to(viewer) {
            return Err(ForumError::NotFound);
        }
        let standing = match viewer {
            Some(viewer) => Some(ThreadStanding::load(
                conn,
                viewer,
                &posts.thread,
                &posts.post_ids(),
            )?),
            None => None,
        };
        Ok(ThreadPage::of(posts, viewer, standing))
    }

    /// The page from what everyone sees and the viewer's own part (`None`
    /// for a guest), once [`ThreadPosts::visible_to`] let the viewer in.
    pub fn of(posts: ThreadPosts, viewer: Option<&Actor>, standing: Option<ThreadStanding>) -> ThreadPage {
        let (liked, posting, watch) = match standing {
            Some(s) => (s.liked, s.posting, s.watch),
            None => (Vec::new(), Posting::SignIn, None),
        };
        let like = |mut card: PostCard| {
            card.liked = liked.contains(&card.post.id);
            card
        };
        // Held and hidden posts are their author's and the moderators' only.
        let shown = |card: &PostCard| {
            !matches!(card.post.state, PostState::Held | PostState::Hidden)
                || viewer.is_some_and(|v| v.is(card.post.author_id) || v.is_moderator())
        };
        let thread = posts.thread;
        let may_accept = thread.is_question()
            && viewer.is_some_and(|v| {
                v.is(thread.author_id)
                    || v.is_moderator()
                    || posts.course.as_ref().is_some_and(|c| v.is(c.owner_id))
            });
        let moderation = viewer.is_some_and(Actor::is_moderator).then_some(posts.moves);
        ThreadPage {
            posts: posts.posts.into_iter().filter(shown).map(like).collect(),
            accepted: posts.accepted.filter(shown).map(like),
            moderation,
            tags: posts.tags,
            thread,
            board: posts.board,
            course: posts.course,
            page: posts.page,
            pages: posts.pages,
            posting,
            watch,
            may_accept,
        }
    }
}

/// Posts with their authors, avatars and badges (no one's likes yet),
/// from three queries whatever their number.
fn cards(
    conn: &mut DbConnection,
    posts: Vec<Post>,
    course_owner: Option<UserId>,
) -> Result<Vec<PostCard>, DbError> {
    let mut people: Vec<UserId> = posts.iter().map(|p| p.author_id).collect();
    people.sort_by_key(|u| u.0);
    people.dedup();
    let authors = User::find_many(conn, &people)?;
    let avatars: Vec<_> = authors.iter().filter_map(|u| u.avatar_upload_id).collect();
    let avatars = if avatars.is_empty() {
        Vec::new()
    } else {
        Upload::find_many(conn, &avatars)?
    };
    let certified = certified_among(conn, &people)?;
    Ok(posts
        .into_iter()
        .filter_map(|post| {
            let author = authors.iter().find(|u| u.id == post.author_id)?.clone();
            let avatar_url = author
                .avatar_upload_id
                .and_then(|id| avatars.iter().find(|a| a.id == id))
                .map(crate::uploads::media_url);
            Some(PostCard {
                certified: certified.contains(&author.id),
                course_expert: course_owner == Some(author.id),
                liked: false,
                avatar_url,
                author,
                post,
            })
        })
        .collect())
}

/// Whether a signed-in viewer may post in this thread, and if not why.
fn posting(conn: &mut DbConnection, viewer: &Actor, thread: &Thread) -> Result<Posting, DbError> {
    if thread.locked && !viewer.is_moderator() {
        return Ok(Posting::Locked);
    }
    board_posting(conn, viewer, thread.board())
}

/// Whether `viewer` may post on `board`, and if not why.
pub fn board_posting(conn: &mut DbConnection, viewer: &Actor, board: Board) -> Result<Posting, DbError> {
    match may_post(conn, viewer, board) {
        Ok(_) => Ok(Posting::Allowed),
        Err(ForumError::Forbidden("forum.error.verify_first")) => Ok(Posting::Verify),
        Err(ForumError::Forbidden(_)) => Ok(Posting::MembersOnly),
        Err(ForumError::Db(e)) => Err(e),
        Err(_) => Ok(Posting::MembersOnly),
    }
}
