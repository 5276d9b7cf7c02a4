package org.spikekd.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads an image-folder tree (torchvision's ImageFolder layout): one folder per class, named after
 * the class, holding JPEG or PNG files. Images are resized to size x size RGB (bilinear; the
 * aspect ratio is not kept), as Imagenette-style datasets are usually prepared.
 */
public final class ImageFolderReader {
    private ImageFolderReader() {}

    /** The class folders under {@code root}, sorted by name. */
    public static List<String> classes(Path root) throws IOException {
        FileSystem fs = HadoopFiles.fileSystem(root);
        if (!fs.exists(root)) {
            throw new DatasetFormatException(root.toString(), "does not exist");
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(root)) {
            if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
                names.add(s.getPath().getName());
            }
        }
        names.sort(null);
        if (names.isEmpty()) {
            throw new DatasetFormatException(root.toString(), "has no class folders (expected ROOT/CLASS/IMAGE.jpg)");
        }
        return names;
    }

    public static LabeledImages read(Path root, List<String> classes, int size) throws IOException {
        FileSystem fs = HadoopFiles.fileSystem(root);
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        byte[] chw = new byte[3 * size * size];
        for (int c = 0; c < classes.size(); c++) {
            Path dir = new Path(root, classes.get(c));
            if (!fs.exists(dir)) {
                throw new DatasetFormatException(dir.toString(), "class folder is missing (classes: " + classes + ")");
            }
            FileStatus[] files = fs.listStatus(dir);
            Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            for (FileStatus f : files) {
                String name = f.getPath().getName().toLowerCase(Locale.ROOT);
                if (f.isDirectory() || !(name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png"))) {
                    continue;
                }
                BufferedImage image;
                try (InputStream in = fs.open(f.getPath())) {
                    image = ImageIO.read(in);
                } catch (IOException e) {
                    throw new DatasetFormatException(f.getPath().toString(), "unreadable image: " + e.getMessage());
                }
                if (image == null) {
                    throw new DatasetFormatException(f.getPath().toString(), "not a readable JPEG or PNG image");
                }
                toChw(resize(image, size), chw);
                pixels.write(chw, 0, chw.length);
                labels.add(c);
            }
        }
        if (labels.isEmpty()) {
            throw new DatasetFormatException(root.toString(), "has no .jpg, .jpeg or .png images in its class folders");
        }
        return new LabeledImages(pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray(),
                3, size, size, classes);
    }

    private static BufferedImage resize(BufferedImage src, int size) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        return out;
    }

    private static void toChw(BufferedImage img, byte[] chw) {
        int plane = img.getWidth() * img.getHeight();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int p = y * img.getWidth() + x;
                chw[p] = (byte) (rgb >> 16);
                chw[plane + p] = (byte) (rgb >> 8);
                chw[2 * plane + p] = (byte) rgb;
            }
        }
    }
}
