// Replays chartify's SetNamespace (decode every document into yaml.Node, add
// metadata.namespace where missing, encode with indent 2) on stdin, to produce the goldens.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// Replicates chartify's SetNamespace on stdin, namespace from argv[1].
func main() {
	ns := os.Args[1]
	dec := yaml.NewDecoder(os.Stdin)
	var docs []yaml.Node
	for {
		doc := yaml.Node{}
		if err := dec.Decode(&doc); err != nil {
			if err == io.EOF {
				break
			}
			fmt.Fprintln(os.Stderr, "parse:", err)
			os.Exit(1)
		}
		ri, mi, ni := -1, -1, -1
		a := doc.Content[0]
		if a.Kind == yaml.MappingNode {
			ri = 0
		DOC:
			for j := 0; j < len(a.Content); j += 2 {
				if a.Content[j].Value == "metadata" {
					mi = j + 1
					md := a.Content[mi]
					for k := 0; k < len(md.Content); k += 2 {
						if md.Content[k].Value == "namespace" {
							ni = k + 1
							break DOC
						}
					}
					break DOC
				}
			}
		}
		if ri > -1 && mi > -1 {
			c := doc.Content[ri].Content[mi].Content
			if ni == -1 {
				c = append(c, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "namespace"}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ns})
			}
			doc.Content[ri].Content[mi].Content = c
		}
		docs = append(docs, doc)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(&d); err != nil {
			fmt.Fprintln(os.Stderr, "encode:", err)
			os.Exit(1)
		}
	}
	os.Stdout.Write(buf.Bytes())
}
