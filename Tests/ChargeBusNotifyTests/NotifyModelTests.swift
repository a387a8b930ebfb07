import Testing
@testable import ChargeBusNotify

@Suite struct RetryPolicyTests {
    @Test func backoffDoublesUpToTheCap() {
        let policy = RetryPolicy(initialBackoffS: 5, maxBackoffS: 30, multiplier: 2, deadlineS: 3600)
        #expect(policy.backoff(afterAttempt: 1) == 5)
        #expect(policy.backoff(afterAttempt: 2) == 10)
        #expect(policy.backoff(afterAttempt: 3) == 20)
        #expect(policy.backoff(afterAttempt: 4) == 30)
        #expect(policy.backoff(afterAttempt: 40) == 30)
    }
}
