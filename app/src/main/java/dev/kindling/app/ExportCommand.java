// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app;

import dev.kindling.app.config.BadConfigurationException;
import dev.kindling.core.model.Sequential;
import dev.kindling.spark.io.HadoopFiles;
import dev.kindling.spark.io.ModelExports;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Writes a saved Kindling model (model.kindling) in an interchange format: ONNX (opset 13, input "
                + "'input' of the model's sample shape with a dynamic batch axis, output 'output' = the model's "
                + "predictions; ONNX Runtime in Java, Python, C#, C++ or JavaScript scores it) or Keras 3's .keras "
                + "(architecture and weights; load_model in Python's Keras or R's keras3 reads it). Paths may be "
                + "URIs on any Hadoop file system; the output is written atomically. No Spark job runs.",
        footerHeading = "%nExamples:%n",
        footer = {"  java -cp kindling-app.jar:... dev.kindling.app.Main export --format onnx \\",
            "      --model out/mnist-mlp/model.kindling --output out/mnist-mlp/model.onnx",
            "  spark-submit ... kindling-app.jar export -f keras \\",
            "      -m hdfs:///models/m.kindling -o hdfs:///models/m.keras"})
final class ExportCommand implements Callable<Integer> {

    @Option(names = {"-f", "--format"}, required = true, paramLabel = "FORMAT",
            description = "onnx or keras.")
    String format;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE",
            description = "The saved model (what train wrote: <output.dir>/model.kindling); a path or URI.")
    String model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
            description = "Where to write it (a path or URI), e.g. model.onnx or model.keras.")
    String output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelExports.Format kind;
        try {
            kind = ModelExports.Format.of(format);
        } catch (IllegalArgumentException e) {
            throw new BadConfigurationException(List.of("--format: " + e.getMessage()));
        }
        Configuration hadoop = new Configuration();
        HadoopFiles.Location source = HadoopFiles.locate(hadoop, model);
        if (!HadoopFiles.isFile(source)) {
            throw new BadConfigurationException(List.of("--model: no saved model at " + source));
        }
        Sequential network;
        try (InputStream in = HadoopFiles.open(source)) {
            network = Sequential.load(in, source.toString());
        }
        HadoopFiles.Location target;
        try {
            target = ModelExports.write(network, kind, hadoop, output);
        } catch (IllegalArgumentException e) {
            throw new BadConfigurationException(List.of("export " + kind + ": " + e.getMessage()));
        }
        spec.commandLine().getOut().println("wrote " + source + " as " + kind + " to " + target);
        return Main.OK;
    }
}
