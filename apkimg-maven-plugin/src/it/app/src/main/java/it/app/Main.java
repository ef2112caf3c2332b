package it.app;

public final class Main {
  public static void main(String[] args) {
    System.out.println("greeting: hello from apkimg " + String.join(" ", args));
  }
}
