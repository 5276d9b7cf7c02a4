package org.spikekd.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A VGG-style network: stages of 3x3 conv-BN-activation blocks, each stage followed by 2x2
 * pooling, then fully connected hidden layers. Stages [[32,32],[64,64]], average pooling and one
 * hidden layer of 256 is the PyTorch reference's network.
 */
public final class VggArchitecture implements Architecture {
    private final List<List<Integer>> stages;
    private final String pooling;
    private final List<Integer> hidden;

    public VggArchitecture(List<List<Integer>> stages, String pooling, List<Integer> hidden) {
        if (stages.isEmpty() || stages.stream().anyMatch(List::isEmpty)) {
            throw new IllegalArgumentException("model.vgg.stages must be a non-empty list of non-empty lists of widths");
        }
        if (stages.stream().flatMap(List::stream).anyMatch(w -> w < 1) || hidden.stream().anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("model.vgg widths must be >= 1");
        }
        if (!pooling.equals("avg") && !pooling.equals("max")) {
            throw new IllegalArgumentException("model.vgg.pooling must be 'avg' or 'max', got '" + pooling + "'");
        }
        this.stages = stages;
        this.pooling = pooling;
        this.hidden = hidden;
    }

    @Override
    public String build(NetworkBuilder b, String from) {
        String last = from;
        for (int s = 0; s < stages.size(); s++) {
            List<Integer> widths = stages.get(s);
            for (int j = 0; j < widths.size(); j++) {
                String prefix = "s" + (s + 1) + "." + (j + 1);
                if (j < widths.size() - 1) {
                    last = b.convBnAct(prefix, last, widths.get(j), 3, 1);
                } else {
                    String c = b.conv(prefix + ".conv", last, widths.get(j), 3, 1);
                    last = b.stageActivation(b.batchNorm(prefix + ".bn", c));
                }
            }
            last = b.pool("s" + (s + 1) + ".pool", last, pooling, 2, 2);
        }
        for (int h = 0; h < hidden.size(); h++) {
            last = b.activation("fc" + (h + 1) + ".act", b.dense("fc" + (h + 1), last, hidden.get(h)));
        }
        return last;
    }

    @Override
    public String describe() {
        return "vgg[" + stages.stream().map(s -> s.stream().map(String::valueOf).collect(Collectors.joining(",")))
                .collect(Collectors.joining("|")) + "]-" + pooling + "pool-fc" + hidden;
    }
}
