package org.spikekd.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.spikekd.sparse.PathChoice;

/**
 * Fixes the convolutions' path (dense or sparse) for every test of a class, and frees it after:
 * for tests that compare figures to the float rounding of one path (the automatic choice may take
 * either, and the two agree only to rounding; see sparse.PathChoice).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(ConvolutionPath.Fixed.class)
public @interface ConvolutionPath {
    /** "dense" or "sparse". */
    String value();

    /** Sets {@link PathChoice.Mode#PROPERTY} before the class's tests and clears it after. */
    final class Fixed implements BeforeAllCallback, AfterAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            String path = context.getRequiredTestClass().getAnnotation(ConvolutionPath.class).value();
            System.setProperty(PathChoice.Mode.PROPERTY, path);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            System.clearProperty(PathChoice.Mode.PROPERTY);
        }
    }
}
