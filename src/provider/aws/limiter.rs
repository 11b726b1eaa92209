//! Client-side token buckets per account × region × service × operation (services share
//! operation names: GuardDuty, Macie, Inspector and Security Hub each have `ListMembers`, each
//! under its own quota), set to AWS's documented
//! quotas so a large run does not provoke throttling storms. (The SDK still retries any
//! throttling that happens anyway.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// (rate per second, burst) for an operation, per account and region, before scaling.
fn quota(service: &str, op: &str) -> (f64, f64) {
    match (service, op) {
        ("securityhub", "BatchEnableStandards") => (1.0, 1.0),
        ("securityhub", "UpdateStandardsControl") => (1.0, 5.0),
        // AWS allows a burst of 6; one token is left as headroom, since AWS's bucket and ours
        // run on different clocks and a page that arrives early would be throttled.
        ("securityhub", "GetFindings") => (3.0, 5.0),
        // STS: 600 requests per second per account and region, shared by its operations
        // (IAM and AWS STS quotas); the burst is not published, so one second's worth.
        ("sts", "AssumeRole") => (600.0, 600.0),
        _ => (10.0, 30.0),
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

type Key = (String, String, &'static str, &'static str);

#[derive(Debug)]
struct Buckets {
    map: HashMap<Key, Bucket>,
    /// The map is pruned when it grows past this.
    prune_at: usize,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    scale: f64,
    buckets: Mutex<Buckets>,
}

/// Below this many buckets nothing is pruned.
const KEEP: usize = 4096;

impl Limiter {
    pub(crate) fn new(scale: f64) -> Self {
        Limiter {
            scale: if scale > 0.0 { scale } else { 1.0 },
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                prune_at: KEEP,
            }),
        }
    }

    fn scaled(&self, service: &str, op: &str) -> (f64, f64) {
        let (rate, burst) = quota(service, op);
        (rate * self.scale, (burst * self.scale).max(1.0))
    }

    /// Takes one token, sleeping until one is available.
    pub(crate) async fn acquire(
        &self,
        account: &str,
        region: &str,
        service: &'static str,
        op: &'static str,
    ) {
        let (rate, burst) = self.scaled(service, op);
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().expect("not poisoned");
                if buckets.map.len() >= buckets.prune_at {
                    self.prune(&mut buckets);
                }
                let b = buckets
                    .map
                    .entry((account.to_string(), region.to_string(), service, op))
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

    /// Drops the buckets that have refilled: a full bucket is the same as a new one, so memory
    /// follows the scopes in flight rather than every scope of the run.
    fn prune(&self, buckets: &mut Buckets) {
        let now = Instant::now();
        buckets.map.retain(|(_, _, service, op), b| {
            let (rate, burst) = self.scaled(service, op);
            b.tokens + now.duration_since(b.last).as_secs_f64() * rate < burst
        });
        buckets.prune_at = (buckets.map.len() * 2).max(KEEP);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().expect("not poisoned").map.len()
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
            l.acquire("1", "r", "securityhub", "DescribeHub").await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(5),
            "the burst is free"
        );
        for _ in 0..10 {
            l.acquire("1", "r", "securityhub", "DescribeHub").await;
        }
        let e = start.elapsed();
        assert!(
            e >= Duration::from_millis(900) && e <= Duration::from_millis(1100),
            "{e:?}"
        );
        // Another scope has its own bucket.
        let t = tokio::time::Instant::now();
        l.acquire("2", "r", "securityhub", "DescribeHub").await;
        assert!(t.elapsed() < Duration::from_millis(5));
    }

    #[tokio::test(start_paused = true)]
    async fn services_sharing_an_operation_name_have_their_own_buckets_and_quotas() {
        let l = Limiter::new(1.0);
        let start = tokio::time::Instant::now();
        for _ in 0..30 {
            l.acquire("1", "r", "securityhub", "ListMembers").await;
        }
        // Security Hub's bucket is empty; GuardDuty's ListMembers is not slowed by it.
        for _ in 0..30 {
            l.acquire("1", "r", "guardduty", "ListMembers").await;
        }
        assert!(start.elapsed() < Duration::from_millis(5));
        // GuardDuty's GetFindings is not held to Security Hub's 3 a second.
        for _ in 0..30 {
            l.acquire("1", "r", "guardduty", "GetFindings").await;
        }
        assert!(start.elapsed() < Duration::from_millis(5));
        for _ in 0..6 {
            l.acquire("1", "r", "securityhub", "GetFindings").await;
        }
        assert!(
            start.elapsed() >= Duration::from_millis(300),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn refilled_buckets_are_pruned_and_busy_ones_kept() {
        let l = Limiter::new(1.0);
        // A busy bucket: its burst used up.
        for _ in 0..30 {
            l.acquire("busy", "r", "securityhub", "DescribeHub").await;
        }
        // Scopes called once each, up to one short of the pruning threshold.
        for i in 0..KEEP - 2 {
            l.acquire(&i.to_string(), "r", "securityhub", "DescribeHub")
                .await;
        }
        assert_eq!(l.len(), KEEP - 1);
        // 100 ms later those are full again; the busy one has one token.
        tokio::time::advance(Duration::from_millis(100)).await;
        l.acquire("next", "r", "securityhub", "DescribeHub").await;
        // The threshold is reached: the next call prunes.
        l.acquire("after", "r", "securityhub", "DescribeHub").await;
        assert_eq!(
            l.len(),
            3,
            "the busy bucket, the one just used and the new one remain"
        );
        // The busy bucket kept its state: the burst is not handed out again.
        let t = tokio::time::Instant::now();
        for _ in 0..2 {
            l.acquire("busy", "r", "securityhub", "DescribeHub").await;
        }
        assert!(
            t.elapsed() >= Duration::from_millis(90),
            "{:?}",
            t.elapsed()
        );
    }
}
