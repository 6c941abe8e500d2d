//! Checkout: the cart (`cart`), placing an order and letting an unpaid one
//! expire (`orders`), the coupon and points it redeems (`redemption`), the
//! payment provider interface (`provider`) with the
//! built-in sandbox (`sandbox`, `signature`), fulfilment exactly once from a
//! verified provider event (`fulfilment`), and the receipt (`receipt`). The
//! pages are in `routes/`.

pub mod cart;
pub mod fulfilment;
pub mod orders;
pub mod provider;
pub mod receipt;
pub mod redemption;
pub mod routes;
pub mod sandbox;
pub mod signature;
pub mod views;

pub use cart::{add_to_cart, remove_from_cart};
pub use fulfilment::{handle_event, Handled};
pub use orders::{expire, place_order, place_order_with, preview, Basket, Placed};
pub use redemption::{Quote, Redemption};

crate::area_error! {
    /// Why a checkout use case refused.
    CheckoutError {
        /// No provider is configured: checkout says so and creates nothing.
        Unavailable {} => AppError::ConflictBecause("checkout.unavailable"),
        /// A provider event for a payment Klearn does not have.
        UnknownPayment {} => AppError::NotFound,
        /// A provider event whose amount or currency is not its payment's.
        Mismatch {} => AppError::BadRequest,
        /// More points than the order may use: at most `max` (the balance
        /// is `balance`); the form comes back with both.
        TooManyPoints { max: i64, balance: i64 } => AppError::BadRequest,
    }
}
