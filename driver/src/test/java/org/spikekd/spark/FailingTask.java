package org.spikekd.spark;

/**
 * Makes one partition's task fail half-way through its minibatches in one epoch, on its first
 * {@code attempts} attempts (a large number: for good), as an executor that dies would.
 */
record FailingTask(int epoch, int partition, int attempts) implements EpochAveragingTrainer.MinibatchListener {
    @Override
    public void afterMinibatch(int epoch, int partition, int attempt, int minibatch, int minibatches) {
        if (epoch == this.epoch && partition == this.partition && attempt < attempts
                && minibatch == Math.max(1, minibatches / 2)) {
            throw new IllegalStateException("injected failure (" + this + ") in epoch " + epoch + ", partition "
                    + partition + ", attempt " + attempt + ", after minibatch " + minibatch);
        }
    }
}
