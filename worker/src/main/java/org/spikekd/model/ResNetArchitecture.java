package org.spikekd.model;

import java.util.List;

/**
 * ResNets (He et al., 2016) as ANN teachers or spiking students: basic blocks for ResNet-18/34,
 * bottleneck blocks for ResNet-50. In a student every ReLU becomes a spiking neuron, batch norm acts
 * on the neurons' input currents, and the residual is added to the currents before the block's last
 * neuron (the "spiking ResNet" of Ledinauskas et al., 2020, with tdBN-style normalization over T*N).
 *
 * <p>Stems: "small" (3x3 conv, stride 1, no pooling; for 28x28 and 32x32 images) or "imagenet"
 * (7x7 conv, stride 2, then 3x3 max pooling, stride 2; for larger images).
 */
public final class ResNetArchitecture implements Architecture {
    private static final List<Integer> DEPTHS = List.of(18, 34, 50);
    private final int depth;
    private final int width;
    private final String stem;

    public ResNetArchitecture(int depth, int width, String stem) {
        if (!DEPTHS.contains(depth)) {
            throw new IllegalArgumentException("model.resnet.depth must be one of " + DEPTHS + ", got " + depth);
        }
        if (width < 1) {
            throw new IllegalArgumentException("model.resnet.width must be >= 1, got " + width);
        }
        if (!stem.equals("small") && !stem.equals("imagenet")) {
            throw new IllegalArgumentException("model.resnet.stem must be 'small' or 'imagenet', got '" + stem + "'");
        }
        this.depth = depth;
        this.width = width;
        this.stem = stem;
    }

    private int[] blocksPerStage() {
        return depth == 18 ? new int[] {2, 2, 2, 2} : new int[] {3, 4, 6, 3};
    }

    private boolean bottleneck() {
        return depth == 50;
    }

    @Override
    public String build(NetworkBuilder b, String from) {
        String last;
        if (stem.equals("small")) {
            last = b.convBnAct("stem", from, width, 3, 1);
        } else {
            last = b.pool("stem.pool", b.convBnAct("stem", from, width, 7, 2), "max", 3, 2);
        }
        int channelsIn = width;
        int[] blocks = blocksPerStage();
        for (int s = 0; s < blocks.length; s++) {
            int planes = width << s;
            for (int k = 0; k < blocks[s]; k++) {
                int stride = (s > 0 && k == 0) ? 2 : 1;
                String prefix = "layer" + (s + 1) + "." + k;
                boolean lastOfStage = k == blocks[s] - 1;
                int out = bottleneck() ? planes * 4 : planes;
                String body = bottleneck()
                        ? bottleneckBody(b, prefix, last, planes, stride)
                        : basicBody(b, prefix, last, planes, stride);
                String shortcut = last;
                if (stride != 1 || channelsIn != out) {
                    shortcut = b.batchNorm(prefix + ".down.bn", b.conv(prefix + ".down.conv", last, out, 1, stride));
                }
                String sum = b.add(prefix + ".add", body, shortcut);
                last = lastOfStage ? b.stageActivation(sum) : b.activation(prefix + ".act", sum);
                channelsIn = out;
            }
        }
        return b.globalAveragePool("pool", last);
    }

    private static String basicBody(NetworkBuilder b, String prefix, String from, int planes, int stride) {
        String x = b.convBnAct(prefix + ".1", from, planes, 3, stride);
        return b.batchNorm(prefix + ".2.bn", b.conv(prefix + ".2.conv", x, planes, 3, 1));
    }

    private static String bottleneckBody(NetworkBuilder b, String prefix, String from, int planes, int stride) {
        String x = b.convBnAct(prefix + ".1", from, planes, 1, 1);
        x = b.convBnAct(prefix + ".2", x, planes, 3, stride);
        return b.batchNorm(prefix + ".3.bn", b.conv(prefix + ".3.conv", x, planes * 4, 1, 1));
    }

    @Override
    public String describe() {
        return "resnet" + depth + "-w" + width + "-" + stem;
    }
}
