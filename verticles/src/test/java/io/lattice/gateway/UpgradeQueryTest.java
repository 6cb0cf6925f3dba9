package io.lattice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Parameters read from the upgrade URI agree with the full query-string decoder Vert.x's getParam uses. */
class UpgradeQueryTest {

  @Test
  void should_find_the_token_wherever_it_sits_in_the_query() {
    assertThat(UpgradeQuery.param("/ws?token=abc", "token")).isEqualTo("abc");
    assertThat(UpgradeQuery.param("/ws?x=1&token=a.b-c_d&y=2", "token")).isEqualTo("a.b-c_d");
    assertThat(UpgradeQuery.param("/ws?tokens=1&xtoken=2&token=3", "token")).isEqualTo("3");
    assertThat(UpgradeQuery.param("/ws?token=a%2Bb%20c", "token")).isEqualTo("a+b c");
    assertThat(UpgradeQuery.param("/ws?token=first&token=second", "token")).isEqualTo("first");
  }

  @Test
  void should_tell_a_missing_token_from_an_empty_one() {
    assertThat(UpgradeQuery.param("/ws", "token")).isNull();
    assertThat(UpgradeQuery.param("/ws?", "token")).isNull();
    assertThat(UpgradeQuery.param("/ws?other=1", "token")).isNull();
    assertThat(UpgradeQuery.param("/ws?x=1#token=2", "token")).isNull();
    assertThat(UpgradeQuery.param("/ws?token=", "token")).isEmpty();
    assertThat(UpgradeQuery.param("/ws?token", "token")).isEmpty();
  }

  @Property(tries = 500)
  void should_agree_with_the_query_string_decoder(@ForAll("queries") String query) {
    String uri = "/ws?" + query;
    String actual = UpgradeQuery.param(uri, "token");
    List<String> expected;
    try {
      expected = new QueryStringDecoder(uri).parameters().get("token");
    } catch (IllegalArgumentException malformed) {
      return; // Vert.x's getParam would have thrown; ours answers without throwing, checked below
    }
    if (expected == null) {
      assertThat(actual).isNull();
    } else {
      assertThat(actual).isEqualTo(expected.get(0));
    }
  }

  @Test
  void should_pass_a_malformed_escape_through_for_verification_to_refuse() {
    assertThat(UpgradeQuery.param("/ws?token=%", "token")).isEqualTo("%");
    assertThat(UpgradeQuery.param("/ws?token=ab%zz", "token")).isEqualTo("ab%zz");
  }

  @Provide
  Arbitrary<String> queries() {
    Arbitrary<String> names = Arbitraries.of("token", "tok", "tokens", "x", "");
    Arbitrary<String> values = Arbitraries.strings().withChars("abcXYZ019.-_~%2B+").ofMaxLength(12);
    Arbitrary<String> pair = net.jqwik.api.Combinators.combine(names, values, Arbitraries.of("=", ""))
        .as((n, v, eq) -> eq.isEmpty() ? n : n + eq + v);
    return pair.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("&", l));
  }
}
