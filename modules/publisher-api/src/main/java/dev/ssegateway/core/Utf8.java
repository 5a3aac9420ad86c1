package dev.ssegateway.core;

/** UTF-8 facts the gateway needs without encoding twice. */
public final class Utf8 {

  private Utf8() {
  }

  /** Bytes of {@code s} in UTF-8, counting a lone surrogate as the 3 bytes of U+FFFD. */
  public static int encodedLength(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * {@code s} with every lone surrogate and every NUL replaced by U+FFFD: the documented normalisation
   * that makes any Java string encodable as valid UTF-8 and safe on the wire. Returns {@code s} itself
   * when nothing needed replacing.
   */
  public static String normalize(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean bad;
      if (Character.isHighSurrogate(c)) {
        bad = !(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)));
        if (!bad) {
          if (b != null) {
            b.append(c).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
      } else {
        bad = Character.isLowSurrogate(c) || c == 0;
      }
      if (bad && b == null) {
        b = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (b != null) {
        b.append(bad ? '\uFFFD' : c);
      }
    }
    return b == null ? s : b.toString();
  }
}
