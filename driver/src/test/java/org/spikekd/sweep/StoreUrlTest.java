package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StoreUrlTest {
    @Test
    void passwordsAreShownAsStarsAndKeptNowhere() {
        String url = "jdbc:postgresql://db:5432/sweeps?user=u&password=s3cr%3Bt&sslmode=require&sslpassword=k";
        assertEquals("jdbc:postgresql://db:5432/sweeps?user=u&password=***&sslmode=require&sslpassword=***",
                StoreUrl.redacted(url));
        assertEquals("jdbc:postgresql://db:5432/sweeps?user=u&sslmode=require", StoreUrl.withoutPassword(url));
        assertTrue(StoreUrl.hasPassword(url));
        assertEquals("jdbc:postgresql://db/s", StoreUrl.withoutPassword("jdbc:postgresql://db/s?PASSWORD=x"));
        assertEquals("jdbc:postgresql://db/s?user=u", StoreUrl.withoutPassword("jdbc:postgresql://db/s?password=x&user=u"));
    }

    @Test
    void urlsWithoutAPasswordAreLeftAsTheyAre() {
        for (String url : new String[] {"jdbc:postgresql://db/s?user=u", "jdbc:sqlite:/tmp/x/trials.db", "",
                "jdbc:postgresql://db/s?user=password"}) {
            assertEquals(url, StoreUrl.redacted(url));
            assertEquals(url, StoreUrl.withoutPassword(url));
            assertFalse(StoreUrl.hasPassword(url));
        }
    }
}
