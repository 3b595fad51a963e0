package io.attnflow.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContentVectorsTest {
  private static final Map<String, float[]> VECTORS = Map.of(
      "toy", new float[] {1, 0, 0},
      "story", new float[] {0, 2, 0},
      "animation", new float[] {0, 0, 4});

  private static Map<String, String> fields(String title, String tags) {
    Map<String, String> m = new HashMap<>();
    m.put("title", title);
    m.put("tags", tags);
    return m;
  }

  @Test
  void wordsAreLowerCasedRunsOfLettersAndDigitsInAnyScript() {
    assertThat(ItemWords.tokens("Toy Story (1995) — Pixar's Ünïcode 東京, x2")).containsExactly(
        "toy", "story", "1995", "pixar", "s", "ünïcode", "東京", "x2");
    assertThat(ItemWords.tokens(null)).isEmpty();
    assertThat(ItemWords.tokens(" ,;! ")).isEmpty();
  }

  @Test
  void fieldsAreReadInOrderWithTheirWeightsAndAWeightOfZeroIsNotRead() {
    Map<String, Double> weights = new LinkedHashMap<>();
    weights.put("title", 2.0);
    weights.put("tags", 1.0);
    weights.put("text", 0.0);
    Map<String, String> values = fields("Toy Story", "Animation");
    values.put("text", "never read");
    ItemWords.Words w = new ItemWords(weights).of(values);
    assertThat(w.words()).containsExactly("toy", "story", "animation");
    assertThat(w.weights()).containsExactly(2.0, 2.0, 1.0);
    assertThatThrownBy(() -> new ItemWords(Map.of("body", 1.0))).hasMessageContaining("body")
        .hasMessageContaining("title");
    assertThatThrownBy(() -> new ItemWords(Map.of("title", -1.0))).hasMessageContaining("-1.0");
  }

  @Test
  void unknownWordsDoNotDiluteTheMeanOfTheKnownOnes() {
    ItemWords reader = new ItemWords(Map.of("title", 1.0));
    ContentVectors.Text alone = ContentVectors.text(reader.of(fields("toy", null)), VECTORS, 3);
    ContentVectors.Text diluted = ContentVectors.text(reader.of(fields("toy zzz qqq", null)), VECTORS, 3);
    assertThat(diluted.vector()).containsExactly(alone.vector());
    assertThat(diluted.knownWords()).isEqualTo(1);
    assertThat(alone.vector()).containsExactly(1f, 0f, 0f);
  }

  @Test
  void theMeanIsWeightedByField() {
    Map<String, Double> weights = new LinkedHashMap<>();
    weights.put("title", 3.0);
    weights.put("tags", 1.0);
    ContentVectors.Text t = ContentVectors.text(new ItemWords(weights).of(fields("toy", "animation")), VECTORS, 3);
    // (3·[1,0,0] + 1·[0,0,4]) / 4
    assertThat(t.vector()).containsExactly(0.75f, 0f, 1f);
    assertThat(t.knownWords()).isEqualTo(2);
  }

  @Test
  void anItemWithoutAKnownWordHasNoTextVectorRatherThanNaN() {
    ItemWords reader = new ItemWords(Map.of("title", 1.0, "tags", 1.0));
    assertThat(ContentVectors.text(reader.of(fields("zzz", "")), VECTORS, 3).empty()).isTrue();
    assertThat(ContentVectors.text(reader.of(fields(null, null)), VECTORS, 3).knownWords()).isZero();
    assertThat(ContentVectors.combine(null, 3, 1, null, 2, 1)).isNull();
    assertThat(ContentVectors.combine(new float[3], 3, 1, null, 2, 1)).as("a zero text vector has no direction").isNull();
  }

  @Test
  void theCombinedCosineIsTheWeightedMeanOfThePartsCosines() {
    float[] t1 = {1, 2, 3};
    float[] t2 = {3, -1, 2};
    float[] s1 = {0.5f, 4};
    float[] s2 = {-2, 1};
    double wt = 1;
    double ws = 3;
    float[] a = ContentVectors.combine(t1, 3, wt, s1, 2, ws);
    float[] b = ContentVectors.combine(t2, 3, wt, s2, 2, ws);
    assertThat(a).hasSize(5);
    assertThat(cosine(a, b)).isCloseTo((wt * cosine(t1, t2) + ws * cosine(s1, s2)) / (wt + ws), within(1e-6));
    // a missing part is zeros: an item with text only still has a vector of the combined length
    float[] textOnly = ContentVectors.combine(t1, 3, wt, null, 2, ws);
    assertThat(textOnly).hasSize(5);
    assertThat(textOnly[3]).isZero();
    assertThat(textOnly[4]).isZero();
    assertThat(norm(textOnly)).isCloseTo(Math.sqrt(wt), within(1e-6));
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot / (norm(a) * norm(b));
  }

  private static double norm(float[] a) {
    double s = 0;
    for (float x : a) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }
}
