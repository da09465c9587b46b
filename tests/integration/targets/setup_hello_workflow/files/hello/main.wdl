version 1.0

workflow hello {
  input {
    String greeting = "hello"
  }
  call say { input: greeting = greeting }
  output {
    File message = say.message
  }
}

task say {
  input {
    String greeting
  }
  command <<<
    echo "~{greeting}" > message.txt
  >>>
  output {
    File message = "message.txt"
  }
  runtime {
    docker: "public.ecr.aws/docker/library/busybox:1.36"
    cpu: 1
    memory: "1 GiB"
  }
}
