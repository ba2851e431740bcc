/*
 * pki/base/work_budget.h — a budget of work for one validation that runs on an event loop.
 *
 * The gateway runs a validation on the loop that received it when the validation is cheap and bounded
 * (gateway/daemon/verify_job.c), and on a worker otherwise. Whether it is cheap is only known while it runs
 * (is the issuing CA's signature already in the memo? how many certificates does the object carry?), so the
 * run carries a budget: each costly step — a public-key verification no memo answered, a certificate
 * decoded, an XML document — first takes its cost, in units of about 10 µs of one core
 * (sb_sig_verify_cost in pki/crypto/sig.h). A step the budget cannot pay is not done: the budget is marked
 * spent, the step fails, and the caller throws the whole result away and runs the validation again on a
 * worker with no budget. So a spent budget never becomes a verdict and never enters a cache of outcomes.
 *
 * A NULL budget is unlimited. One budget belongs to one run on one thread.
 */
#ifndef SB_WORK_BUDGET_H
#define SB_WORK_BUDGET_H

struct sb_work_budget {
    long left;          /* units still available */
    int spent;          /* 1 once a step could not be paid: the run's result must be discarded */
};

/* About 10 µs of one core: the unit of every cost. */
#define SB_WORK_UNIT_US 10L
/* A step that never runs under a budget (an XML document, an unknown algorithm). */
#define SB_WORK_UNBOUNDED (1L << 30)

void sb_work_budget_init(struct sb_work_budget *b, long units);
/* Pay units from b: 1 paid (or b NULL); 0 not enough left (b is then spent, and stays spent). */
int sb_work_budget_take(struct sb_work_budget *b, long units);
/* 1 if b is non-NULL and a step could not be paid. */
int sb_work_budget_spent(const struct sb_work_budget *b);

#endif
