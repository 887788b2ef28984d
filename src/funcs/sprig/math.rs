//! Sprig's arithmetic: integer functions through `cast.ToInt64` (Go's wrapping int64
//! arithmetic and its divide-by-zero panic), float functions through shopspring/decimal
//! (exact decimal arithmetic on the shortest decimal form of each float).

use super::cast::{to_float64, to_int64};
use super::{def, int};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::Value;

pub(super) fn register(m: &mut FuncMap) {
    let any1 = Signature::fixed(&[P::Any]);
    let any2 = Signature::fixed(&[P::Any, P::Any]);
    let any_rest = Signature::variadic(&[P::Any], P::Any);
    def(m, "add1", any1, |a| {
        Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1)))
    });
    def(m, "add", Signature::variadic(&[], P::Any), |a| {
        Ok(Value::Int64(
            a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
        ))
    });
    def(m, "sub", any2, |a| {
        Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    def(m, "div", any2, |a| int_div(&a, i64::wrapping_div));
    def(m, "mod", any2, |a| int_div(&a, i64::wrapping_rem));
    def(m, "mul", any_rest, |a| {
        Ok(Value::Int64(
            a[1..]
                .iter()
                .fold(to_int64(&a[0]), |acc, v| acc.wrapping_mul(to_int64(v))),
        ))
    });
    for name in ["max", "biggest"] {
        def(m, name, any_rest, |a| {
            Ok(Value::Int64(
                a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
            ))
        });
    }
    def(m, "min", any_rest, |a| {
        Ok(Value::Int64(
            a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
        ))
    });
    def(m, "maxf", any_rest, |a| {
        Ok(Value::Float(
            a[1..]
                .iter()
                .map(to_float64)
                .fold(to_float64(&a[0]), go_max),
        ))
    });
    def(m, "minf", any_rest, |a| {
        Ok(Value::Float(
            a[1..]
                .iter()
                .map(to_float64)
                .fold(to_float64(&a[0]), go_min),
        ))
    });
    def(m, "ceil", any1, |a| {
        Ok(Value::Float(to_float64(&a[0]).ceil()))
    });
    def(m, "floor", any1, |a| {
        Ok(Value::Float(to_float64(&a[0]).floor()))
    });
    def(
        m,
        "round",
        Signature::variadic(&[P::Any, P::Int], P::Float64),
        |a| {
            let on = match a.get(2) {
                Some(Value::Float(f)) => *f,
                _ => 0.5,
            };
            Ok(Value::Float(round(to_float64(&a[0]), int(&a, 1), on)))
        },
    );
    def(m, "add1f", any1, |a| {
        decimal_op(&a[0], &[Value::Int(1)], Op::Add)
    });
    def(m, "addf", Signature::variadic(&[], P::Any), |a| {
        decimal_op(&Value::Float(0.0), &a, Op::Add)
    });
    def(m, "subf", any_rest, |a| decimal_op(&a[0], &a[1..], Op::Sub));
    def(m, "mulf", any_rest, |a| decimal_op(&a[0], &a[1..], Op::Mul));
    def(m, "divf", any_rest, |a| decimal_op(&a[0], &a[1..], Op::Div));
}

fn int_div(a: &[Value], f: fn(i64, i64) -> i64) -> Result<Value, String> {
    let d = to_int64(&a[1]);
    if d == 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::Int64(f(to_int64(&a[0]), d)))
}

/// Go's `math.Max`: NaN wins, +0 beats -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`: NaN wins, -0 beats +0.
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// Sprig's `round`: `math.Pow(10, places)`, then ceil or floor on the fraction `math.Modf` gives.
fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = go_pow10(places);
    let digit = pow * val;
    let frac = if digit.is_infinite() {
        0.0
    } else {
        digit - digit.trunc()
    };
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

/// Go's `math.Pow(10, y)` for integral `y`: repeated squaring on the frexp mantissa, which is
/// what makes Go's and libm's results agree only most of the time.
fn go_pow10(y: i64) -> f64 {
    if y == 0 {
        return 1.0;
    }
    if y == 1 {
        return 10.0;
    }
    let yi = y.unsigned_abs();
    let (mut x1, mut xe) = (0.625f64, 4i64); // frexp(10)
    let (mut a1, mut ae) = (1.0f64, 0i64);
    let mut i = yi;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

/// `frac × 2^exp`, scaling in exact steps before the final multiplication.
fn ldexp(frac: f64, exp: i64) -> f64 {
    let mut f = frac;
    let mut e = exp.clamp(-4000, 4000) as i32;
    while e > 1000 {
        f *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        f *= 2f64.powi(-1000);
        e += 1000;
    }
    f * 2f64.powi(e)
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A decimal `m × 10^e` (shopspring/decimal, within i128 range).
#[derive(Clone, Copy, Debug)]
struct Dec {
    m: i128,
    e: i32,
}

impl Dec {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Result<Dec, String> {
        if f.is_nan() || f.is_infinite() {
            return Err(format!(
                "Cannot create a Decimal from {}",
                Value::Float(f).go_format()
            ));
        }
        if f == 0.0 {
            return Ok(Dec { m: 0, e: 0 });
        }
        let text = format!("{f:e}");
        let (mant, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let frac_len = mant.split_once('.').map_or(0, |(_, fr)| fr.len()) as i32;
        let digits: String = mant.chars().filter(|c| *c != '.').collect();
        let m: i128 = digits.parse().unwrap_or(0);
        Ok(Dec {
            m,
            e: exp - frac_len,
        })
    }

    /// `Float64()`: the nearest float to the exact decimal.
    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(0.0)
    }

    fn scaled(self, e: i32) -> Option<i128> {
        let shift = u32::try_from(self.e - e).ok()?;
        10i128
            .checked_pow(shift)
            .and_then(|p| self.m.checked_mul(p))
    }

    fn apply(self, op: Op, o: Dec) -> Result<Option<Dec>, String> {
        Ok(match op {
            Op::Add | Op::Sub => {
                let e = self.e.min(o.e);
                let (Some(a), Some(b)) = (self.scaled(e), o.scaled(e)) else {
                    return Ok(None);
                };
                let r = if matches!(op, Op::Add) {
                    a.checked_add(b)
                } else {
                    a.checked_sub(b)
                };
                r.map(|m| Dec { m, e })
            }
            Op::Mul => self.m.checked_mul(o.m).map(|m| Dec { m, e: self.e + o.e }),
            Op::Div => {
                if o.m == 0 {
                    return Err("decimal division by 0".into());
                }
                // DivRound(o, 16): the quotient rounded half away from zero at 16 places.
                let k = self.e - o.e + 16;
                let (num, den) = if k >= 0 {
                    let Some(n) = 10i128
                        .checked_pow(k as u32)
                        .and_then(|p| self.m.checked_mul(p))
                    else {
                        return Ok(None);
                    };
                    (n, o.m)
                } else {
                    let Some(d) = 10i128
                        .checked_pow((-k) as u32)
                        .and_then(|p| o.m.checked_mul(p))
                    else {
                        return Ok(None);
                    };
                    (self.m, d)
                };
                let (q, r) = (num / den, num % den);
                let Some(twice) = r.checked_abs().and_then(|r| r.checked_mul(2)) else {
                    return Ok(None);
                };
                let away = twice >= den.abs();
                let neg = (num < 0) != (den < 0);
                let q = if away {
                    if neg { q - 1 } else { q + 1 }
                } else {
                    q
                };
                Some(Dec { m: q, e: -16 })
            }
        })
    }
}

/// Sprig's `execDecimalOp`; where i128 would overflow, falls back to float arithmetic.
fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, String> {
    let mut acc = Dec::from_f64(to_float64(first))?;
    let mut approx: Option<f64> = None;
    for v in rest {
        let x = to_float64(v);
        let d = Dec::from_f64(x)?;
        if let Some(f) = approx.as_mut() {
            *f = float_op(*f, x, op)?;
            continue;
        }
        match acc.apply(op, d)? {
            Some(r) => acc = r,
            None => approx = Some(float_op(acc.to_f64(), x, op)?),
        }
    }
    Ok(Value::Float(approx.unwrap_or_else(|| acc.to_f64())))
}

fn float_op(a: f64, b: f64, op: Op) -> Result<f64, String> {
    Ok(match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div if b == 0.0 => return Err("decimal division by 0".into()),
        Op::Div => a / b,
    })
}
