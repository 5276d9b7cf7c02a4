package org.spikekd.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** An ONNX tensor's values (ONNX stores them as raw little-endian bytes or as typed lists) and a node's attributes. */
final class OnnxTensors {
    private OnnxTensors() {}

    static long[] shape(Onnx.TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** A float tensor as an ND4J array of its shape. */
    static INDArray floats(Onnx.TensorProto t, String what) {
        if (t.getDataType() != Onnx.TensorProto.DataType.FLOAT) {
            throw new IllegalArgumentException(what + " is " + t.getDataType() + "; the teacher's weights must be float32");
        }
        float[] values;
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            values = new float[raw.remaining() / 4];
            raw.asFloatBuffer().get(values);
        } else {
            List<Float> list = t.getFloatDataList();
            values = new float[list.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = list.get(i);
            }
        }
        long[] shape = shape(t);
        return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, DataType.FLOAT);
    }

    /** An int64 tensor (pads, shapes) as longs. */
    static long[] longs(Onnx.TensorProto t, String what) {
        if (t.getDataType() != Onnx.TensorProto.DataType.INT64) {
            throw new IllegalArgumentException(what + " is " + t.getDataType() + ", expected int64");
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] values = new long[raw.remaining() / 8];
            raw.asLongBuffer().get(values);
            return values;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    static Onnx.AttributeProto attribute(Onnx.NodeProto node, String name) {
        for (Onnx.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long integer(Onnx.NodeProto node, String name, long otherwise) {
        Onnx.AttributeProto a = attribute(node, name);
        return a == null ? otherwise : a.getI();
    }

    static float real(Onnx.NodeProto node, String name, float otherwise) {
        Onnx.AttributeProto a = attribute(node, name);
        return a == null ? otherwise : a.getF();
    }

    static long[] integers(Onnx.NodeProto node, String name, long[] otherwise) {
        Onnx.AttributeProto a = attribute(node, name);
        return a == null ? otherwise : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    static String text(Onnx.NodeProto node, String name, String otherwise) {
        Onnx.AttributeProto a = attribute(node, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }
}
