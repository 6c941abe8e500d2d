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

/// Splits `amount` in proportion to `prices` like `split`, but no share
/// may exceed its item's `room` (what is left of it to pay): a share that
/// would is cut to its room and the rest is split again, in the same
/// proportions, over the items that still have room. The shares add up to
/// `amount` when the rooms allow it (at most their sum is placed).
pub fn split_within(prices: &[i64], room: &[i64], amount: i64) -> Vec<i64> {
    let mut shares = vec![0; prices.len()];
    let mut left = amount.min(room.iter().map(|r| r.max(&0)).sum());
    while left > 0 {
        let open: Vec<usize> = (0..prices.len()).filter(|&i| shares[i] < room[i]).collect();
        let weights: Vec<i64> = open.iter().map(|&i| prices[i].max(1)).collect();
        let round = split(&weights, left);
        let before = left;
        for (k, &i) in open.iter().enumerate() {
            let take = round[k].min(room[i] - shares[i]);
            shares[i] += take;
            left -= take;
        }
        if left == before {
            // Nothing placed by proportion (shares below a fen): dearest first.
            let mut dearest = open.clone();
            dearest.sort_by(|a, b| prices[*b].cmp(&prices[*a]).then(a.cmp(b)));
            for i in dearest {
                let take = left.min(room[i] - shares[i]);
                shares[i] += take;
                left -= take;
            }
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_never_exceeds_what_is_left_of_its_item() {
        // The first item is free after its coupon: the points go to the others.
        assert_eq!(split_within(&[1000, 1000], &[0, 1000], 500), [0, 500]);
        // Pro rata to the list prices while there is room.
        assert_eq!(
            split_within(&[1000, 2000, 7000], &[1000, 2000, 7000], 100),
            [10, 20, 70]
        );
        // Cut to its room, the rest goes to the others in proportion.
        assert_eq!(
            split_within(&[5000, 5000, 10000], &[100, 5000, 10000], 3000),
            [100, 966, 1934]
        );
        for amount in 0..=400 {
            let shares = split_within(&[300, 100, 200], &[50, 100, 150], amount);
            assert_eq!(shares.iter().sum::<i64>(), amount.min(300));
            assert!(shares.iter().zip([50, 100, 150]).all(|(s, r)| *s <= r));
        }
    }

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
