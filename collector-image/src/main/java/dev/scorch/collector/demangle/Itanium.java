package dev.scorch.collector.demangle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * C++ names in the Itanium ABI's mangling (what GCC and Clang emit on Linux), printed the way
 * {@code c++filt} prints them: nested and local names, templates and their parameters,
 * substitutions, constructors and destructors, operators, builtin, qualified, pointer, reference,
 * array, function and pointer-to-member types, literals, vtables, typeinfo, thunks and guard
 * variables, and clone suffixes ({@code .cold}, {@code .isra.0}). Expressions in template
 * arguments and {@code decltype} are not decoded: such a name is left mangled.
 *
 * <p>One class past the usual size because the grammar is one recursive descent whose productions
 * share the substitution table and the template parameters; split, they would pass both around.
 */
final class Itanium extends ManglingCursor {

    private static final int MAX_DEPTH = 200;

    private static final Map<String, String> OPERATORS = Map.ofEntries(
            Map.entry("nw", "new"), Map.entry("na", "new[]"), Map.entry("dl", "delete"), Map.entry("da", "delete[]"),
            Map.entry("ps", "+"), Map.entry("ng", "-"), Map.entry("ad", "&"), Map.entry("de", "*"), Map.entry("co", "~"),
            Map.entry("pl", "+"), Map.entry("mi", "-"), Map.entry("ml", "*"), Map.entry("dv", "/"), Map.entry("rm", "%"),
            Map.entry("an", "&"), Map.entry("or", "|"), Map.entry("eo", "^"), Map.entry("aS", "="), Map.entry("pL", "+="),
            Map.entry("mI", "-="), Map.entry("mL", "*="), Map.entry("dV", "/="), Map.entry("rM", "%="), Map.entry("aN", "&="),
            Map.entry("oR", "|="), Map.entry("eO", "^="), Map.entry("ls", "<<"), Map.entry("rs", ">>"), Map.entry("lS", "<<="),
            Map.entry("rS", ">>="), Map.entry("eq", "=="), Map.entry("ne", "!="), Map.entry("lt", "<"), Map.entry("gt", ">"),
            Map.entry("le", "<="), Map.entry("ge", ">="), Map.entry("ss", "<=>"), Map.entry("nt", "!"), Map.entry("aa", "&&"),
            Map.entry("oo", "||"), Map.entry("pp", "++"), Map.entry("mm", "--"), Map.entry("cm", ","), Map.entry("pm", "->*"),
            Map.entry("pt", "->"), Map.entry("cl", "()"), Map.entry("ix", "[]"), Map.entry("qu", "?"));

    private static final Map<Character, String> BUILTINS = Map.ofEntries(
            Map.entry('v', "void"), Map.entry('w', "wchar_t"), Map.entry('b', "bool"), Map.entry('c', "char"),
            Map.entry('a', "signed char"), Map.entry('h', "unsigned char"), Map.entry('s', "short"),
            Map.entry('t', "unsigned short"), Map.entry('i', "int"), Map.entry('j', "unsigned int"), Map.entry('l', "long"),
            Map.entry('m', "unsigned long"), Map.entry('x', "long long"), Map.entry('y', "unsigned long long"),
            Map.entry('n', "__int128"), Map.entry('o', "unsigned __int128"), Map.entry('f', "float"), Map.entry('d', "double"),
            Map.entry('e', "long double"), Map.entry('g', "__float128"), Map.entry('z', "..."));

    private static final Map<Character, String> STD_SUBSTITUTIONS = Map.of(
            'a', "std::allocator", 'b', "std::basic_string",
            's', "std::string", 'i', "std::istream", 'o', "std::ostream", 'd', "std::iostream");

    /** What c++filt prints for the abbreviations when they qualify a name rather than stand as a type. */
    private static final Map<String, String> STD_PREFIXES = Map.of(
            "std::string", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
            "std::istream", "std::basic_istream<char, std::char_traits<char> >",
            "std::ostream", "std::basic_ostream<char, std::char_traits<char> >",
            "std::iostream", "std::basic_iostream<char, std::char_traits<char> >");

    private final List<String> substitutions = new ArrayList<>();
    private List<String> templateParameters = List.of();
    private boolean inFunctionName;

    /** A parsed name and what decides how its function type prints. */
    private record Name(String text, boolean template, boolean ctorDtorOrConversion, String qualifiers) {}

    private Itanium(String symbol) {
        super(symbol, 2, MAX_DEPTH);
    }

    static String demangle(String symbol) {
        var parser = new Itanium(symbol);
        String result = parser.encoding();
        if (parser.position < symbol.length()) {
            if (symbol.charAt(parser.position) != '.') {
                throw new IllegalArgumentException("trailing characters at " + parser.position);
            }
            result += " [clone " + symbol.substring(parser.position) + "]";
        }
        return result;
    }

    private boolean endOfEncoding() {
        return position >= symbol.length() || peek() == 'E' || peek() == '.';
    }

    private String encoding() {
        enter();
        if (peek() == 'T' || (peek() == 'G' && peek(1) == 'V')) {
            String special = specialName();
            depth--;
            return special;
        }
        boolean outer = inFunctionName;
        inFunctionName = true;
        Name name = name();
        inFunctionName = outer;
        if (endOfEncoding()) {
            depth--;
            return name.text();
        }
        String result = name.template() && !name.ctorDtorOrConversion() ? type() + " " : "";
        List<String> parameters = new ArrayList<>();
        while (!endOfEncoding()) {
            parameters.add(type());
        }
        depth--;
        return result + name.text() + parameterList(parameters) + name.qualifiers();
    }

    private static String parameterList(List<String> parameters) {
        if (parameters.size() == 1 && parameters.getFirst().equals("void")) {
            return "()";
        }
        return "(" + String.join(", ", parameters) + ")";
    }

    private String specialName() {
        if (eat('G')) {
            expect('V');
            return "guard variable for " + name().text();
        }
        expect('T');
        char kind = next();
        return switch (kind) {
            case 'V' -> "vtable for " + type();
            case 'T' -> "VTT for " + type();
            case 'I' -> "typeinfo for " + type();
            case 'S' -> "typeinfo name for " + type();
            case 'H' -> "TLS init function for " + name().text();
            case 'W' -> "TLS wrapper function for " + name().text();
            case 'h' -> {
                callOffset();
                yield "non-virtual thunk to " + encoding();
            }
            case 'v' -> {
                callOffset();
                callOffset();
                yield "virtual thunk to " + encoding();
            }
            default -> throw new IllegalArgumentException("special name T" + kind);
        };
    }

    private void callOffset() {
        eat('n');
        number();
        expect('_');
    }

    private long number() {
        int start = position;
        while (Character.isDigit(peek())) {
            position++;
        }
        if (start == position) {
            throw new IllegalArgumentException("expected a number at " + position);
        }
        return Long.parseLong(symbol.substring(start, position));
    }

    private Name name() {
        enter();
        Name result;
        switch (peek()) {
            case 'N' -> result = nestedName();
            case 'Z' -> result = localName();
            default -> {
                String text;
                boolean ctorDtor = false;
                if (peek() == 'S' && peek(1) == 't') {
                    position += 2;
                    text = "std::" + unqualifiedName(null);
                } else if (peek() == 'S') {
                    text = substitution();
                    if (peek() != 'I') {
                        throw new IllegalArgumentException("a substitution is no name without template arguments");
                    }
                } else {
                    eat('L');
                    ctorDtor = peek() == 'c' && peek(1) == 'v';
                    text = unqualifiedName(null);
                }
                boolean template = false;
                if (peek() == 'I') {
                    if (!symbol.startsWith("S", position - 1) || !text.startsWith("std::")) {
                        substitutions.add(text);
                    }
                    text += templateArguments();
                    template = true;
                }
                result = new Name(text, template, ctorDtor, "");
            }
        }
        depth--;
        return result;
    }

    private Name nestedName() {
        expect('N');
        StringBuilder qualifiers = new StringBuilder();
        String cv = cvQualifiers();
        if (eat('R')) {
            qualifiers.append(" &");
        } else if (eat('O')) {
            qualifiers.append(" &&");
        }
        String prefix = "";
        String last = null;
        boolean template = false;
        boolean ctorDtor = false;
        while (!eat('E')) {
            char c = peek();
            if (c == 'I') {
                if (prefix.isEmpty()) {
                    throw new IllegalArgumentException("template arguments without a template at " + position);
                }
                prefix += templateArguments();
                template = true;
            } else if (c == 'S' && peek(1) != 't' && prefix.isEmpty()) {
                prefix = substitution();
                if (peek() != 'E' && STD_PREFIXES.containsKey(prefix)) {
                    prefix = STD_PREFIXES.get(prefix);
                    last = prefix.substring(5, prefix.indexOf('<'));
                }
                template = false;
                continue;
            } else if (c == 'T' && prefix.isEmpty()) {
                prefix = templateParameter();
                template = false;
            } else {
                String component;
                if (c == 'S' && peek(1) == 't') {
                    position += 2;
                    component = "std::" + unqualifiedName(null);
                    last = component.substring(5);
                } else if ((c == 'C' && peek(1) != 'v') || (c == 'D' && (peek(1) == '0' || peek(1) == '1' || peek(1) == '2'))) {
                    component = constructorOrDestructor(last);
                    ctorDtor = true;
                } else {
                    ctorDtor = c == 'c' && peek(1) == 'v';
                    component = unqualifiedName(null);
                    last = component;
                }
                prefix = prefix.isEmpty() ? component : prefix + "::" + component;
                template = false;
            }
            if (peek() != 'E') {
                substitutions.add(prefix);
            }
        }
        return new Name(prefix, template, ctorDtor, cv + qualifiers);
    }

    private String constructorOrDestructor(String className) {
        if (className == null) {
            throw new IllegalArgumentException("constructor without a class at " + position);
        }
        String plain = className.contains("<") ? className.substring(0, className.indexOf('<')) : className;
        if (eat('C')) {
            if (eat('I')) {
                next();
                type();
            } else {
                next();
            }
            return plain;
        }
        expect('D');
        next();
        return "~" + plain;
    }

    private Name localName() {
        expect('Z');
        String function = encoding();
        expect('E');
        if (eat('s')) {
            discriminator();
            return new Name(function + "::string literal", false, false, "");
        }
        Name entity = name();
        discriminator();
        return new Name(function + "::" + entity.text(), entity.template(), entity.ctorDtorOrConversion(), entity.qualifiers());
    }

    private void discriminator() {
        if (eat('_')) {
            if (eat('_')) {
                number();
                expect('_');
            } else {
                next();
            }
        }
    }

    private String unqualifiedName(String unused) {
        enter();
        String result;
        char c = peek();
        if (Character.isDigit(c)) {
            result = sourceName();
        } else if (c == 'U' && peek(1) == 't') {
            position += 2;
            long index = eat('_') ? 1 : number() + 2;
            if (index > 1) {
                expect('_');
            }
            result = "{unnamed type#" + index + "}";
        } else if (c == 'U' && peek(1) == 'l') {
            position += 2;
            List<String> parameters = new ArrayList<>();
            while (!eat('E')) {
                parameters.add(type());
            }
            long index = eat('_') ? 1 : number() + 2;
            if (index > 1) {
                expect('_');
            }
            result = "{lambda" + parameterList(parameters) + "#" + index + "}";
        } else if (c == 'c' && peek(1) == 'v') {
            position += 2;
            result = "operator " + type();
        } else if (c == 'l' && peek(1) == 'i') {
            position += 2;
            result = "operator\"\" " + sourceName();
        } else if (Character.isLowerCase(c)) {
            String op = OPERATORS.get(symbol.substring(position, Math.min(symbol.length(), position + 2)));
            if (op == null) {
                throw new IllegalArgumentException("unknown operator at " + position);
            }
            position += 2;
            result = "operator" + (Character.isLetter(op.charAt(0)) ? " " : "") + op;
        } else {
            throw new IllegalArgumentException("unknown name at " + position);
        }
        while (peek() == 'B') {
            next();
            result += "[abi:" + sourceName() + "]";
        }
        depth--;
        return result;
    }

    private String sourceName() {
        long length = number();
        if (length <= 0 || position + length > symbol.length()) {
            throw new IllegalArgumentException("identifier runs past the end at " + position);
        }
        String identifier = symbol.substring(position, position + (int) length);
        position += (int) length;
        return identifier.startsWith("_GLOBAL__N") ? "(anonymous namespace)" : identifier;
    }

    private String cvQualifiers() {
        StringBuilder cv = new StringBuilder();
        if (eat('r')) {
            cv.append(" restrict");
        }
        if (eat('V')) {
            cv.append(" volatile");
        }
        if (eat('K')) {
            cv.append(" const");
        }
        return cv.toString();
    }

    private String substitution() {
        expect('S');
        char c = next();
        if (STD_SUBSTITUTIONS.containsKey(c)) {
            return STD_SUBSTITUTIONS.get(c);
        }
        long index = 0;
        if (c != '_') {
            position--;
            index = 1;
            while (peek() != '_') {
                char d = next();
                int digit = Character.isDigit(d) ? d - '0' : Character.isUpperCase(d) ? d - 'A' + 10 : -1;
                if (digit < 0) {
                    throw new IllegalArgumentException("bad substitution at " + position);
                }
                index += (index - 1) * 35 + digit;
            }
            next();
        }
        if (index >= substitutions.size()) {
            throw new IllegalArgumentException("substitution " + index + " of " + substitutions.size());
        }
        return substitutions.get((int) index);
    }

    private String templateParameter() {
        expect('T');
        int index = eat('_') ? 0 : (int) number() + 1;
        if (index > 0) {
            expect('_');
        }
        String parameter = index < templateParameters.size() ? templateParameters.get(index) : "T" + index;
        substitutions.add(parameter);
        return parameter;
    }

    private String templateArguments() {
        enter();
        expect('I');
        List<String> arguments = new ArrayList<>();
        boolean nameLevel = inFunctionName;
        inFunctionName = false;
        while (!eat('E')) {
            arguments.add(templateArgument());
        }
        inFunctionName = nameLevel;
        if (nameLevel) {
            templateParameters = arguments;
        }
        depth--;
        String joined = String.join(", ", arguments);
        return "<" + joined + (joined.endsWith(">") ? " >" : ">");
    }

    private String templateArgument() {
        if (eat('L')) {
            String literal = literal();
            expect('E');
            return literal;
        }
        if (eat('J')) {
            List<String> pack = new ArrayList<>();
            while (!eat('E')) {
                pack.add(templateArgument());
            }
            return String.join(", ", pack);
        }
        if (peek() == 'X') {
            throw new IllegalArgumentException("expressions are not decoded");
        }
        return type();
    }

    private String literal() {
        if (peek() == '_' && peek(1) == 'Z') {
            position += 2;
            return encoding();
        }
        String type = type();
        boolean negative = eat('n');
        int start = position;
        while (peek() != 'E' && position < symbol.length()) {
            position++;
        }
        String value = symbol.substring(start, position);
        return switch (type) {
            case "bool" -> value.equals("0") ? "false" : "true";
            case "int" -> (negative ? "-" : "") + value;
            case "unsigned int" -> value + "u";
            case "long" -> (negative ? "-" : "") + value + "l";
            case "unsigned long" -> value + "ul";
            default -> "(" + type + ")" + (negative ? "-" : "") + value;
        };
    }

    private String type() {
        enter();
        String result;
        char c = peek();
        String builtin = BUILTINS.get(c);
        if (builtin != null) {
            position++;
            depth--;
            return builtin;
        }
        switch (c) {
            case 'r', 'V', 'K' -> {
                String cv = cvQualifiers();
                String inner = type();
                result = inner + cv;
                substitutions.add(result);
            }
            case 'P', 'R', 'O' -> {
                next();
                String symbolOf = c == 'P' ? "*" : c == 'R' ? "&" : "&&";
                if (peek() == 'F') {
                    String[] function = functionType();
                    substitutions.add(function[0] + " " + function[1]);
                    result = function[0] + " (" + symbolOf + ")" + function[1];
                } else {
                    result = type() + symbolOf;
                }
                substitutions.add(result);
            }
            case 'F' -> {
                String[] function = functionType();
                result = function[0] + " " + function[1];
                substitutions.add(result);
            }
            case 'A' -> {
                next();
                String size = eat('_') ? "" : String.valueOf(number());
                if (!size.isEmpty()) {
                    expect('_');
                }
                result = type() + " [" + size + "]";
                substitutions.add(result);
            }
            case 'M' -> {
                next();
                String owner = type();
                if (peek() == 'F') {
                    String[] function = functionType();
                    substitutions.add(function[0] + " " + function[1]);
                    result = function[0] + " (" + owner + "::*)" + function[1];
                } else {
                    result = type() + " " + owner + "::*";
                }
                substitutions.add(result);
            }
            case 'T' -> {
                result = templateParameter();
                if (peek() == 'I') {
                    result += templateArguments();
                    substitutions.add(result);
                }
            }
            case 'S' -> {
                if (peek(1) == 't') {
                    position += 2;
                    result = "std::" + unqualifiedName(null);
                    substitutions.add(result);
                } else {
                    result = substitution();
                }
                if (peek() == 'I') {
                    result += templateArguments();
                    substitutions.add(result);
                }
            }
            case 'N', 'Z' -> {
                result = name().text();
                substitutions.add(result);
            }
            case 'D' -> {
                next();
                char d = next();
                result = switch (d) {
                    case 'n' -> "decltype(nullptr)";
                    case 'i' -> "char32_t";
                    case 's' -> "char16_t";
                    case 'u' -> "char8_t";
                    case 'a' -> "auto";
                    case 'c' -> "decltype(auto)";
                    case 'p' -> type() + "...";
                    default -> throw new IllegalArgumentException("type D" + d + " is not decoded");
                };
                if (d == 'p') {
                    substitutions.add(result);
                }
            }
            case 'u' -> {
                next();
                result = sourceName();
                substitutions.add(result);
            }
            default -> {
                eat('L');
                result = unqualifiedName(null);
                substitutions.add(result);
                if (peek() == 'I') {
                    result += templateArguments();
                    substitutions.add(result);
                }
            }
        }
        depth--;
        return result;
    }

    /** A function type as its return type and its parameter list with qualifiers. */
    private String[] functionType() {
        expect('F');
        eat('Y');
        String returns = type();
        List<String> parameters = new ArrayList<>();
        String reference = "";
        while (!eat('E')) {
            if (peek() == 'R' && peek(1) == 'E') {
                next();
                reference = " &";
            } else if (peek() == 'O' && peek(1) == 'E') {
                next();
                reference = " &&";
            } else {
                parameters.add(type());
            }
        }
        return new String[] {returns, parameterList(parameters) + reference};
    }
}
