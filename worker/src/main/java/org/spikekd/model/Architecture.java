package org.spikekd.model;

/** A network body: from the encoded input to the features the classifier reads. */
public interface Architecture {

    /**
     * Adds the body's layers after vertex {@code from}.
     *
     * @return the vertex the classifier reads (flattened by DL4J if it is a feature map)
     */
    String build(NetworkBuilder b, String from);

    /** A short description for logs: "vgg[32,32|64,64]-fc[256]", "resnet18-w64". */
    String describe();
}
