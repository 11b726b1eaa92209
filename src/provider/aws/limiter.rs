//! Client-side token buckets per account × region × operation, set to AWS's documented
//! quotas so a large run does not provoke throttling storms. (The SDK still retries any
//! throttling that happens anyway.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// (rate per second, burst) for an operation, per account and region.
fn quota(op: &str) -> (f64, f64) {
    match op {
        "BatchEnableStandards" => (1.0, 1.0),
        "UpdateStandardsControl" => (1.0, 5.0),
        "GetFindings" => (3.0, 6.0),
        // STS: 600 requests per second per account and region, shared by its operations
        // (IAM and AWS STS quotas); the burst is not published, so one second's worth.
        "AssumeRole" => (600.0, 600.0),
        _ => (10.0, 30.0),
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    scale: f64,
    buckets: Mutex<HashMap<(String, String, &'static str), Bucket>>,
}

impl Limiter {
    pub(crate) fn new(scale: f64) -> Self {
        Limiter {
            scale: if scale > 0.0 { scale } else { 1.0 },
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token, sleeping until one is available.
    pub(crate) async fn acquire(&self, account: &str, region: &str, op: &'static str) {
        let (rate, burst) = quota(op);
        let (rate, burst) = (rate * self.scale, (burst * self.scale).max(1.0));
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().expect("not poisoned");
                let b = buckets
                    .entry((account.to_string(), region.to_string(), op))
                    .or_insert(Bucket {
                        tokens: burst,
                        last: Instant::now(),
                    });
                let now = Instant::now();
                b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(burst);
                b.last = now;
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - b.tokens) / rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bursts_then_paces_at_the_quota() {
        let l = Limiter::new(1.0);
        let start = tokio::time::Instant::now();
        for _ in 0..30 {
            l.acquire("1", "r", "DescribeHub").await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(5),
            "the burst is free"
        );
        for _ in 0..10 {
            l.acquire("1", "r", "DescribeHub").await;
        }
        let e = start.elapsed();
        assert!(
            e >= Duration::from_millis(900) && e <= Duration::from_millis(1100),
            "{e:?}"
        );
        // Another scope has its own bucket.
        let t = tokio::time::Instant::now();
        l.acquire("2", "r", "DescribeHub").await;
        assert!(t.elapsed() < Duration::from_millis(5));
    }
}
