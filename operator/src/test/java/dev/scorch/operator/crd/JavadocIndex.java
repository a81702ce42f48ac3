package dev.scorch.operator.crd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The Javadoc of the API classes, read from their sources with the JDK's compiler, so the CRD's
 * descriptions come from the one place a developer documents a field.
 *
 * <p>Record components are documented with {@code @param} tags on the record; each becomes the
 * description of the property of the same name.
 */
final class JavadocIndex {
    private static final Pattern PARAM = Pattern.compile("@param\\s+(\\w+)\\s+(.*?)(?=\\n\\s*@|\\z)", Pattern.DOTALL);

    private final Map<String, String> typeDocs = new HashMap<>();
    private final Map<String, Map<String, String>> componentDocs = new HashMap<>();

    static JavadocIndex of(Path sourceDirectory) throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(sourceDirectory)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        JavadocIndex index = new JavadocIndex();
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, null)) {
            var task = compiler.getTask(
                    null,
                    files,
                    null,
                    List.of("-proc:only", "-classpath", System.getProperty("java.class.path")),
                    null,
                    files.getJavaFileObjectsFromPaths(sources));
            task.setProcessors(List.of(index.new Collector()));
            if (!task.call()) {
                throw new IllegalStateException("could not read the Javadoc of " + sourceDirectory);
            }
        }
        return index;
    }

    /** The main description of a type (its Javadoc without block tags), or null when it has none. */
    String typeDoc(Class<?> type) {
        return typeDocs.get(type.getName());
    }

    /** The {@code @param} text of a record component, or null when it has none. */
    String componentDoc(Class<?> record, String component) {
        return componentDocs.getOrDefault(record.getName(), Map.of()).get(component);
    }

    private static String clean(String doc) {
        return doc.replaceAll("\\{@(?:code|link|literal)\\s+([^}]*)}", "$1")
                .replaceAll("</?p>", "")
                .replaceAll("\\s+", " ")
                .strip();
    }

    private final class Collector extends AbstractProcessor {
        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return Set.of("*");
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            for (Element element : round.getRootElements()) {
                if (!(element instanceof TypeElement type)) {
                    continue;
                }
                String doc = processingEnv.getElementUtils().getDocComment(type);
                if (doc == null) {
                    continue;
                }
                String name = type.getQualifiedName().toString();
                int tags = doc.indexOf("\n @");
                typeDocs.put(name, clean(tags < 0 ? doc : doc.substring(0, tags)));
                if (type.getKind() == ElementKind.RECORD) {
                    Map<String, String> params = new HashMap<>();
                    Matcher m = PARAM.matcher(doc);
                    while (m.find()) {
                        params.put(m.group(1), clean(m.group(2)));
                    }
                    componentDocs.put(name, params);
                }
            }
            return false;
        }
    }
}
