//! Money rules with no I/O: splitting an order's coupon discount and points
//! across its items in proportion to their list prices, to the fen, and the
//! limits of paying with points (100 points = 1 yuan, at most half of what
//! is due after the coupon).

/// Points per yuan: one point is one fen.
pub const POINTS_PER_YUAN: i64 = 100;

/// The share of an order (after its coupon) that points may pay, in percent.
pub const POINTS_MAX_PERCENT: i64 = 50;

/// The most points an order of `due_cents` (after the coupon) may use.
pub fn points_cap(due_cents: i64) -> i64 {
    (due_cents.max(0) * POINTS_MAX_PERCENT / 100) * POINTS_PER_YUAN / 100
}

/// Splits `amount` across items of these list prices in proportion to
/// them: each share is rounded down to the fen, and the fen left over go
/// one each to the dearest items (the earlier item first among equals).
/// The shares add up to `amount` exactly; no share exceeds its price when
/// `amount` does not exceed their total.
pub fn split(prices: &[i64], amount: i64) -> Vec<i64> {
    let total: i64 = prices.iter().sum();
    if prices.is_empty() || total <= 0 || amount <= 0 {
        return vec![0; prices.len()];
    }
    let amount = amount.min(total);
    let mut shares: Vec<i64> = prices
        .iter()
        .map(|p| (i128::from(*p) * i128::from(amount) / i128::from(total)) as i64)
        .collect();
    let mut left = amount - shares.iter().sum::<i64>();
    let mut dearest: Vec<usize> = (0..prices.len()).collect();
    dearest.sort_by(|a, b| prices[*b].cmp(&prices[*a]).then(a.cmp(b)));
    while left > 0 {
        for &i in &dearest {
            if left == 0 {
                break;
            }
            if shares[i] < prices[i] {
                shares[i] += 1;
                left -= 1;
            }
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_and_leftover_fen_go_to_the_dearest() {
        // 1000 off 3 × 3333: 333.33… each, 1 fen left for the first dearest.
        assert_eq!(split(&[3333, 3333, 3333], 1000), [334, 333, 333]);
        // 100 off 1000 + 2000 + 7000.
        assert_eq!(split(&[1000, 2000, 7000], 100), [10, 20, 70]);
        // 1 fen off three items: to the dearest.
        assert_eq!(split(&[500, 900, 700], 1), [0, 1, 0]);
        // 2 fen: dearest, then the next dearest.
        assert_eq!(split(&[500, 900, 700], 2), [0, 1, 1]);
        // Awkward: 999 off 1 + 2 + 9997.
        let shares = split(&[1, 2, 9997], 999);
        assert_eq!(shares.iter().sum::<i64>(), 999);
        assert_eq!(shares, [0, 0, 999]);
    }

    #[test]
    fn a_hundred_percent_takes_every_price_and_never_more() {
        assert_eq!(split(&[1999, 1, 5000], 7000), [1999, 1, 5000]);
        assert_eq!(split(&[1999, 1, 5000], 9000), [1999, 1, 5000]);
        assert_eq!(split(&[], 100), Vec::<i64>::new());
        assert_eq!(split(&[100, 200], 0), [0, 0]);
        for amount in 0..=301 {
            let shares = split(&[100, 1, 200], amount);
            assert_eq!(shares.iter().sum::<i64>(), amount.min(301));
            assert!(shares.iter().zip([100, 1, 200]).all(|(s, p)| *s <= p));
        }
    }

    #[test]
    fn points_pay_at_most_half_of_what_is_due() {
        assert_eq!(points_cap(10_000), 5_000);
        assert_eq!(points_cap(9_999), 4_999);
        assert_eq!(points_cap(1), 0);
        assert_eq!(points_cap(0), 0);
    }
}
