package org.spikekd.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.spikekd.encoding.Encoding;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;

/**
 * The energy estimate against figures worked out by hand for a small VGG on 1x8x8 images:
 * conv 1->4 (3x3, 8x8 out) = 2304 MACs, pool, conv 4->8 (4x4 out) = 4608, pool, fc 32->16 = 512,
 * fc 16->3 = 48.
 */
class EnergyEstimateTest {
    static final InputType INPUT = InputType.convolutional(8, 8, 1);

    static ComputationGraph net(NetworkRole role, Encoding encoding) {
        SpikingSettings spiking = new SpikingSettings(encoding, 4, new org.spikekd.neuron.SpikingLayer());
        return new NetworkFactory(new VggArchitecture(List.of(List.of(4), List.of(8)), "avg", List.of(16)), role)
                .input(1, 8, 8).classes(3).normalization(new double[] {0.5}, new double[] {0.25})
                .spiking(spiking).seed(1).build();
    }

    @Test
    void anAnnSpendsEveryFlopAsAMac() {
        EnergyEstimate e = EnergyEstimate.of(net(NetworkRole.TEACHER, Encoding.DIRECT), INPUT, Map.of());
        assertEquals(7472, e.macs, 1e-9);
        assertEquals(0, e.synapticOps, 1e-9);
        assertEquals(7472 * 4.6e-6, e.microjoules(), 1e-12);
    }

    @Test
    void anSnnUnderDirectEncodingSpendsMacsOnceInTheFirstLayerAndSopsAfter() {
        Map<String, Double> rates = Map.of("stage1", 0.2, "stage2", 0.1, "fc1.act", 0.5);
        EnergyEstimate e = EnergyEstimate.of(net(NetworkRole.STUDENT, Encoding.DIRECT), INPUT, rates);
        assertEquals(2304, e.macs, 1e-9);
        double sops = 4 * (0.2 * 4608 + 0.1 * 512 + 0.5 * 48);
        assertEquals(sops, e.synapticOps, 1e-9);
        assertEquals((2304 * 4.6 + sops * 0.9) * 1e-6, e.microjoules(), 1e-12);
        assertEquals(7472, e.flops, 1e-9);
        assertEquals(0.1, e.perLayer.get("fc1").get("input_rate"), 1e-12);
    }

    @Test
    void underPoissonCodingTheFirstLayerSeesSpikesToo() {
        Map<String, Double> rates = Map.of("encode", 0.3, "stage1", 0.2, "stage2", 0.1, "fc1.act", 0.5);
        EnergyEstimate e = EnergyEstimate.of(net(NetworkRole.STUDENT, Encoding.POISSON), INPUT, rates);
        assertEquals(0, e.macs, 1e-9);
        assertEquals(4 * (0.3 * 2304 + 0.2 * 4608 + 0.1 * 512 + 0.5 * 48), e.synapticOps, 1e-9);
    }

    @Test
    void aSpikingLayerWithoutAMeasuredRateIsAnError() {
        assertThrows(IllegalStateException.class, () -> EnergyEstimate.of(net(NetworkRole.STUDENT, Encoding.DIRECT),
                INPUT, Map.of("stage1", 0.2, "fc1.act", 0.5)));
    }
}
