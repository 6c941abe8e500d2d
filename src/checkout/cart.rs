//! The cart: paid, published courses the member does not own yet, each once.

use klearn_db::courses::{Course, CourseState};
use klearn_db::enrollments::Enrollment;
use klearn_db::orders::Cart;
use klearn_db::{write_tx, CourseId, DbConnection};

use super::CheckoutError;
use crate::domain::actor::Actor;

/// What adding to the cart did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Added,
    /// It was in the cart already: it is not added twice.
    AlreadyThere,
}

/// Puts a paid, published course in the member's cart. A course they own
/// (bought, or their own) or a free one is refused with the reason.
pub fn add_to_cart(
    conn: &mut DbConnection,
    actor: &Actor,
    course: CourseId,
) -> Result<(Added, Course), CheckoutError> {
    let buyer = actor.user_id().ok_or(CheckoutError::NotFound)?;
    write_tx(conn, |conn| {
        let course = Course::find(conn, course)?;
        if course.state != CourseState::Published {
            return Err(CheckoutError::NotFound);
        }
        if course.price_cents == 0 {
            return Err(CheckoutError::Conflict("cart.free_course"));
        }
        if course.owner_id == buyer || Enrollment::is_enrolled(conn, buyer, course.id)? {
            return Err(CheckoutError::Conflict("cart.already_owned"));
        }
        let added = if Cart::add(conn, buyer, course.id)? {
            Added::Added
        } else {
            Added::AlreadyThere
        };
        Ok((added, course))
    })
}

/// Takes a line out of the member's cart (someone else's line: `NotFound`).
pub fn remove_from_cart(conn: &mut DbConnection, actor: &Actor, item: i64) -> Result<(), CheckoutError> {
    let buyer = actor.user_id().ok_or(CheckoutError::NotFound)?;
    if Cart::remove(conn, buyer, item)? {
        Ok(())
    } else {
        Err(CheckoutError::NotFound)
    }
}
