package dev.scorch.collector.json;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Text that is not JSON is refused with the line, column and path of the problem. */
class JsonReaderErrorsTest {

    private static AbstractThrowableAssert<?, ? extends Throwable> refused(String text) {
        return assertThatThrownBy(() -> JsonReader.parse(text, JsonReaderTest.LIMITS)).isInstanceOf(JsonParseException.class);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> refused(byte[] bytes) {
        return assertThatThrownBy(() -> JsonReader.parse(bytes, JsonReaderTest.LIMITS)).isInstanceOf(JsonParseException.class);
    }

    @Test
    void anEmptyDocumentIsRefused() {
        refused(" \n").hasMessageContaining("the document is empty");
    }

    @Test
    void contentAfterTheValueIsRefused() {
        refused("{} {}").hasMessage("line 1, column 4: expected the end of the input after the value, found '{'");
    }

    @Test
    void theMessageNamesLineColumnAndPath() {
        refused("{\"policies\": [{}, {},\n  {\"backends\": [{\"url\": tru}]}]}")
                .hasMessage("line 2, column 28, at policies[2].backends[0].url: expected the literal true, found '}'");
    }

    @Test
    void aTrailingCommaIsRefused() {
        refused("[1,]").hasMessageContaining("expected a value, found ']'");
        refused("{\"a\":1,}").hasMessageContaining("expected a member name in double quotes, found '}'");
    }

    @Test
    void aMissingCommaIsRefused() {
        refused("[1 2]").hasMessageContaining("expected ',' or ']' after an element, found '2'");
        refused("{\"a\":1 \"b\":2}").hasMessageContaining("expected ',' or '}' after a member, found '\"'");
    }

    @Test
    void aMissingColonIsRefused() {
        refused("{\"a\" 1}").hasMessageContaining("expected ':' after the member name, found '1'");
    }

    @Test
    void anUnquotedOrSingleQuotedNameIsRefused() {
        refused("{a:1}").hasMessageContaining("expected a member name in double quotes, found 'a'");
        refused("{'a':1}").hasMessageContaining("found '''");
    }

    @Test
    void aDuplicateMemberNameIsRefused() {
        refused("{\"a\":1,\"a\":2}").hasMessageContaining("duplicate member \"a\"");
    }

    @Test
    void unclosedContainersAreRefused() {
        refused("[1,2").hasMessageContaining("found the end of the input");
        refused("{\"a\":{}").hasMessageContaining("found the end of the input");
    }

    @Test
    void anUnterminatedStringIsRefused() {
        refused("\"abc").hasMessageContaining("the input ends inside a string");
    }

    @Test
    void aRawControlCharacterInAStringIsRefused() {
        refused("\"a\nb\"").hasMessageContaining("control character U+000A in a string");
        refused("\"a\u0000b\"").hasMessageContaining("control character U+0000");
    }

    @Test
    void anUnknownEscapeIsRefused() {
        refused("\"\\x41\"").hasMessageContaining("invalid escape: backslash followed by 'x'");
        refused("\"\\'\"").hasMessageContaining("invalid escape");
    }

    @Test
    void aShortOrNonHexUnicodeEscapeIsRefused() {
        refused("\"\\u12\"").hasMessageContaining("four hex digits");
        refused("\"\\u12G4\"").hasMessageContaining("four hex digits, found 'G'");
    }

    @Test
    void anUnpairedSurrogateEscapeIsRefused() {
        refused("\"\\ud83d\"").hasMessageContaining("unpaired surrogate \\uD83D");
        refused("\"\\ud83dx\"").hasMessageContaining("unpaired surrogate");
        refused("\"\\ud83d\\u0041\"").hasMessageContaining("unpaired surrogate \\uD83D followed by \\u0041");
        refused("\"\\udd25\"").hasMessageContaining("a low surrogate without a high one");
    }

    @Test
    void invalidUtf8IsRefused() {
        refused(new byte[] {'"', (byte) 0xC3, '"'}).hasMessageContaining("invalid UTF-8");
        refused(new byte[] {'"', (byte) 0x80, '"'}).hasMessageContaining("byte 0x80 cannot start a character");
        refused(new byte[] {'"', (byte) 0xFF, '"'}).hasMessageContaining("invalid UTF-8");
    }

    @Test
    void overlongUtf8IsRefused() {
        refused(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}).hasMessageContaining("invalid UTF-8");
        refused(new byte[] {'"', (byte) 0xE0, (byte) 0x80, (byte) 0xAF, '"'}).hasMessageContaining("invalid UTF-8");
    }

    @Test
    void utf8EncodedSurrogatesAndCodePointsPastTheLastAreRefused() {
        refused(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}).hasMessageContaining("invalid UTF-8");
        refused(new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}).hasMessageContaining("invalid UTF-8");
    }

    @Test
    void aByteOrderMarkIsRefused() {
        refused(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'}).hasMessageContaining("expected a value, found byte 0xEF");
    }

    @Test
    void aLeadingZeroIsRefused() {
        refused("012").hasMessageContaining("leading zero");
        refused("-01").hasMessageContaining("leading zero");
    }

    @Test
    void incompleteNumbersAreRefused() {
        refused("-").hasMessageContaining("expected a digit");
        refused("1.").hasMessageContaining("after the decimal point");
        refused("1e").hasMessageContaining("in the exponent");
        refused("1e+").hasMessageContaining("in the exponent");
        refused(".5").hasMessageContaining("expected a value, found '.'");
        refused("+1").hasMessageContaining("expected a value, found '+'");
    }

    @Test
    void nonFiniteNumbersAreRefused() {
        refused("NaN").hasMessageContaining("expected a value, found 'N'");
        refused("Infinity").hasMessageContaining("expected a value");
        refused("-Infinity").hasMessageContaining("expected a digit");
    }

    @Test
    void anExponentBeyond32BitsIsRefused() {
        refused("1e99999999999").hasMessageContaining("number out of range");
    }

    @Test
    void misspelledLiteralsAreRefused() {
        refused("nul").hasMessageContaining("expected the literal null");
        refused("True").hasMessageContaining("expected a value, found 'T'");
        refused("[truex]").hasMessageContaining("expected ',' or ']'");
    }

    @Test
    void commentsAreRefused() {
        refused("{} // note").hasMessageContaining("found '/'");
        refused("/* note */ {}").hasMessageContaining("expected a value, found '/'");
    }

    @Test
    void whitespaceOtherThanTheFourIsRefused() {
        refused("\u000B{}").hasMessageContaining("byte 0x0B");
        refused("{}\u00A0").hasMessageContaining("byte 0xC2");
    }
}
