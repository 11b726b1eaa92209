//! Per account × region × operation token buckets with the documented rates (API.md §8).

use std::collections::HashMap;
use std::time::Instant;

/// (rate per second, burst) as documented, before scaling.
pub fn documented(service: &str, operation: &str) -> (f64, f64) {
    match (service, operation) {
        ("securityhub", "BatchEnableStandards") => (1.0, 1.0),
        ("securityhub", "UpdateStandardsControl") => (1.0, 5.0),
        ("securityhub", "GetFindings") => (3.0, 6.0),
        ("securityhub", _) => (10.0, 30.0),
        // No published numbers; Security Hub's default.
        ("guardduty" | "inspector2" | "macie2" | "access-analyzer", _) => (10.0, 30.0),
        // EventBridge's control plane and Lambda's policy calls: no per-operation numbers
        // published that shubctl would reach; Security Hub's default.
        ("events" | "lambda", _) => (10.0, 30.0),
        // STS: 600 requests per second per account and region, shared by its operations (IAM
        // and AWS STS quotas). The burst is not published: one second's worth.
        ("sts", _) => (600.0, 600.0),
        // No public numbers for Organizations; a generous bucket.
        _ => (20.0, 40.0),
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Account → region → bucket.
type ByScope = HashMap<String, HashMap<String, Bucket>>;

#[derive(Default)]
pub struct Quotas {
    /// By (service, operation), then scope: a request finds its bucket without building a key.
    buckets: HashMap<(&'static str, &'static str), ByScope>,
}

impl Quotas {
    /// Takes one token; false when the bucket is empty (the request is throttled).
    pub fn take(
        &mut self,
        service: &'static str,
        operation: &'static str,
        account: &str,
        region: &str,
        scale: f64,
        now: Instant,
    ) -> bool {
        let (rate, burst) = documented(service, operation);
        // STS's quota is one bucket shared by all its operations.
        let operation = if service == "sts" { "*" } else { operation };
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        let rate = rate * scale;
        // A bucket must hold at least one whole request or it could never admit any.
        let burst = (burst * scale).max(1.0);
        let accounts = self.buckets.entry((service, operation)).or_default();
        if !accounts.contains_key(account) {
            accounts.insert(account.to_string(), HashMap::new());
        }
        let regions = accounts.get_mut(account).expect("inserted above");
        if !regions.contains_key(region) {
            let full = Bucket {
                tokens: burst,
                last: now,
            };
            regions.insert(region.to_string(), full);
        }
        let b = regions.get_mut(region).expect("inserted above");
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let mut q = Quotas::default();
        let t0 = Instant::now();
        for _ in 0..30 {
            assert!(q.take("securityhub", "DescribeHub", "1", "r", 1.0, t0));
        }
        assert!(!q.take("securityhub", "DescribeHub", "1", "r", 1.0, t0));
        // other account, other region, other op: own buckets
        assert!(q.take("securityhub", "DescribeHub", "2", "r", 1.0, t0));
        assert!(q.take("securityhub", "DescribeHub", "1", "s", 1.0, t0));
        assert!(q.take("securityhub", "ListMembers", "1", "r", 1.0, t0));
        // 10 rps: 100 ms buys one more
        assert!(q.take(
            "securityhub",
            "DescribeHub",
            "1",
            "r",
            1.0,
            t0 + Duration::from_millis(101)
        ));
        assert!(!q.take(
            "securityhub",
            "DescribeHub",
            "1",
            "r",
            1.0,
            t0 + Duration::from_millis(102)
        ));
    }

    #[test]
    fn sts_operations_share_one_bucket() {
        let mut q = Quotas::default();
        let t0 = Instant::now();
        for _ in 0..600 {
            assert!(q.take("sts", "AssumeRole", "1", "r", 1.0, t0));
        }
        assert!(!q.take("sts", "GetCallerIdentity", "1", "r", 1.0, t0));
        assert!(q.take("sts", "AssumeRole", "1", "other", 1.0, t0));
    }

    #[test]
    fn batch_enable_standards_is_one_per_second_and_scaled_buckets_admit_one() {
        let mut q = Quotas::default();
        let t0 = Instant::now();
        assert!(q.take("securityhub", "BatchEnableStandards", "1", "r", 0.2, t0));
        assert!(!q.take(
            "securityhub",
            "BatchEnableStandards",
            "1",
            "r",
            0.2,
            t0 + Duration::from_secs(1)
        ));
        assert!(q.take(
            "securityhub",
            "BatchEnableStandards",
            "1",
            "r",
            0.2,
            t0 + Duration::from_secs(6)
        ));
    }
}
