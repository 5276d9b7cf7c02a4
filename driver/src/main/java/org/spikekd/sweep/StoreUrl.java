package org.spikekd.sweep;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A trial store's JDBC URL as it may be shown or kept. A spec may carry the database password in its
 * store URL ({@code jdbc:postgresql://HOST/DB?user=U&password=P}); the sweep connects with it, but
 * what it prints shows {@code password=***} and what it keeps (spec.conf, the spec the store holds)
 * has no password at all: a later {@code --resume} finds it in {@code ~/.pgpass} (or the file
 * {@code PGPASSFILE} names), which PostgreSQL's JDBC driver reads itself.
 */
public final class StoreUrl {
    /** password: the database's; sslpassword: the key of an SSL client certificate. Both secret. */
    private static final Pattern SECRET = Pattern.compile("(?i)(?<=^|[?&;])(ssl)?password=[^&;]*");

    /** The URL with its password values shown as {@code ***}, for logs and messages. */
    public static String redacted(String url) {
        return SECRET.matcher(url).replaceAll(m -> m.group().substring(0, m.group().indexOf('=') + 1) + "***");
    }

    /** The URL with its password parameters left out, to be kept on disk or in the store. */
    public static String withoutPassword(String url) {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        String kept = Arrays.stream(url.substring(query + 1).split("&"))
                .filter(p -> !SECRET.matcher(p).matches())
                .collect(Collectors.joining("&"));
        return url.substring(0, query) + (kept.isEmpty() ? "" : "?" + kept);
    }

    /** Whether the URL carries a password parameter. */
    public static boolean hasPassword(String url) {
        return SECRET.matcher(url).find();
    }

    private StoreUrl() {
    }
}
