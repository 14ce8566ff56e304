"""The program's rules as a search corpus for ``/duda`` and ``/ayuda tema:`` (Spanish, copied from the
program's rules document so the bot does not depend on it at run time).

Each entry: a stable id (``regla:<slug>``), a title, the text shown as the answer and extra search
words (synonyms and the words people use when they ask) that are searched but never shown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    slug: str
    title: str
    text: str
    keywords: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        "objetivo", "¿De qué se trata Ventas desde Operaciones?",
        "La dinámica busca que quienes atienden directamente a los clientes tengan oportunidad de comisionar por "
        "renovaciones o ventas adicionales. Se transfiere parte del presupuesto de adquisición de clientes a quienes "
        "los operan, para incentivar una mejor atención, y se identifican los clientes con servicios más prometedores.",
        "programa dinamica objetivo para que sirve explicacion general incentivo",
    ),
    Rule(
        "quien-vende", "¿Quiénes pueden vender?",
        "Por ahora pueden vender los KAMs: las personas que atienden directamente un cliente. Solo puedes venderle a "
        "un cliente que atiendes actualmente: no a uno atendido por otro KAM ni a un cliente nuevo (los clientes "
        "nuevos van por referidos con `/referir-lead`).",
        "puedo vender quien vende cliente de otro kam cliente nuevo cliente ajeno companero permitido atiendo "
        "cliente que no es mio prospecto",
    ),
    Rule(
        "kams", "¿Quiénes son KAMs?",
        "Los KAMs son quienes atienden directamente un cliente: Líder de desarrollo en sitio web, Content Manager en "
        "CM, Digital Manager en DM, Trafficker en Social Ads y Google Ads, y Diseñador en logos o brochures.",
        "kam cargo rol lider desarrollo content manager digital manager trafficker disenador soy kam",
    ),
    Rule(
        "apoyo", "¿En quién me puedo apoyar para vender?",
        "Puedes apoyarte en los PM de apoyo definidos y, para reuniones y consejos comerciales, en el CCO "
        "(Carlos Abondano): pídelo con `/pedir-apoyo`. Al equipo comercial solo se le hacen pequeñas dudas sobre el "
        "proceso de venta o la subida a HubSpot (`/duda`); la venta la haces tú por tu cuenta.",
        "ayuda reunion acompanamiento asesoria consejo cco carlos abondano pm apoyo equipo comercial acompane "
        "reunion con el cliente pedir apoyo quien me ayuda",
    ),
    Rule(
        "no-vende-ventas", "¿El equipo comercial puede hacer la venta por mí?",
        "No. Si quieres hacer la venta, haces todo el trámite por tu propia cuenta (con apoyo del CCO o de tu PM). "
        "Si no quieres venderla, refiere el cliente potencial con `/referir-lead` para que ventas la concrete y "
        "comisionas por el lead.",
        "ventas venda por mi comercial cierre la venta que vendan ellos pasar el cliente a ventas no quiero vender",
    ),
    Rule(
        "usuario-hubspot", "¿Cómo pido mi usuario de HubSpot y el acceso al canal?",
        "Pide la creación de tu usuario de HubSpot y el acceso al canal «dudas-ventas-ops» con "
        "`/solicitar-usuario-hubspot`, enviando tu correo de Sense y tu Gmail. Lo aprueban Juan Diego Dillmann o "
        "Daniel Valcarcel.",
        "usuario hubspot cuenta acceso crear usuario canal discord correo gmail sense licencia login entrar",
    ),
    Rule(
        "cotizacion", "¿Cómo envío la cotización?",
        "Envía la cotización con la plantilla de cotización o revisa el precio en el cotizador (enlaces en `/ayuda`).",
        "cotizacion cotizar precio precios cuanto cuesta tarifa propuesta economica cotizador valor del servicio",
    ),
    Rule(
        "contrato", "¿Cómo genero el contrato?",
        "Envía el contrato generado en el enlace de contratos (está en `/ayuda`). Las propuestas comerciales y los "
        "contratos te ayudan a tener claros los alcances de cada plan.",
        "contrato firmar generar contrato plantilla documento legal alcance",
    ),
    Rule(
        "pago-comprobante", "¿Cómo se cobra el anticipo y qué comprobante pido?",
        "Envía las cuentas para el pago y pide el comprobante, siguiendo la política de comprobantes, anticipos y "
        "descuentos (enlace en `/ayuda`). Si no se cumple la política, el negocio no se contabiliza. Sube el "
        "comprobante al registrar el negocio.",
        "pago anticipo comprobante cuenta bancaria consignacion transferencia descuento politica cobrar abono soporte "
        "de pago",
    ),
    Rule(
        "negocio-hubspot", "¿Cómo creo el negocio en HubSpot?",
        "Crea el negocio (deal) en HubSpot siguiendo el instructivo (enlace en `/ayuda`) y luego regístralo aquí con "
        "`/registrar-negocio`, indicando el id o el enlace del negocio de HubSpot.",
        "hubspot deal crear negocio subir venta instructivo pipeline subir a hubspot cargar negocio",
    ),
    Rule(
        "registrar", "¿Cómo registro una venta?",
        "Cuando tengas el anticipo, registra el negocio en este canal con `/registrar-negocio`: cliente, tipo "
        "(renovación, cross sale o up sale), servicio, valor total, anticipo, fecha del anticipo y comprobante.",
        "registrar venta reportar negocio cerre una venta registro vendi como aviso que vendi",
    ),
    Rule(
        "atribucion", "¿De quién es la venta si ventas y operaciones atienden al mismo cliente?",
        "Por ahora ventas y operaciones pueden venderle a clientes actuales: la venta se atribuye a quien tenga mayor "
        "intervención en el proceso comercial, es decir, a quien lleve el proceso que termina en el pago del "
        "anticipo.",
        "atribucion a quien se le atribuye dos personas mismo cliente disputa quien se queda con la venta conflicto",
    ),
    Rule(
        "proforma", "¿Cómo pido una factura proforma o un link de pago?",
        "Pídelo con `/solicitar-proforma` sobre un negocio registrado; Daniel Valcarcel y Juan Diego Dillmann tienen "
        "acceso para hacerlas.",
        "factura proforma link de pago enlace de pago facturar cobro pse tarjeta",
    ),
    Rule(
        "auditoria", "¿Cuándo es válida una venta?",
        "Las ventas son válidas únicamente después de que auditoría verifica que el anticipo llegó a la cuenta de "
        "Sense Digital (y, en up sales, cuando el COO aprueba). Antes de eso la comisión queda pendiente.",
        "valida auditoria aprobada verificar pago pendiente cuando me pagan la comision aprueban",
    ),
    Rule(
        "corte", "¿Qué es el corte diario de las 6 AM?",
        "Todos los negocios del día anterior se exportan a diario a las 6 AM (hora de Bogotá). Cuida la fecha de pago "
        "del anticipo: si registras un negocio con una fecha cuyo corte ya pasó, queda como tardío y sale en el "
        "siguiente corte.",
        "exportacion corte 6 am seis de la manana fecha del anticipo tarde tardio descargado reporte diario",
    ),
    Rule(
        "comision", "¿Cuánto comisiono por una venta?",
        "Comisionas el 6 % del valor total del negocio (por ejemplo, $ 10.000.000 → $ 600.000), cuando auditoría "
        "verifica el anticipo.",
        "comision porcentaje cuanto gano cuanto me pagan plata dinero ganancia 6 por ciento seis valor total "
        "incentivo pago de comision",
    ),
    Rule(
        "renovaciones", "¿Cómo funcionan las renovaciones?",
        "Puedes vender la renovación de un cliente que atiendes. Declara tu intención de renovar a la coordinación de "
        "renovaciones (Juliana Abondano) con `/intencion-renovacion`. Tienes 3 días hábiles desde la fecha de entrega "
        "para cerrarla; si no lo logras, el cliente vuelve al equipo comercial como siempre.",
        "renovacion renovar intencion de renovacion juliana abondano dias habiles plazo fecha de entrega vence "
        "ventana",
    ),
    Rule(
        "cross-sale", "¿Qué es un cross sale?",
        "Un cross sale es cuando el cliente compra algo totalmente diferente a lo que tiene: por ejemplo, un cliente "
        "de web que contrata un plan de marketing, o uno de Social Ads que contrata Google Ads, CM, un sitio web o una "
        "app. Se recomienda una reunión con el PM de apoyo o explicar tú mismo el plan.",
        "cross sale venta cruzada otro servicio diferente servicio nuevo cliente web marketing",
    ),
    Rule(
        "up-sale", "¿Qué es un up sale y quién lo aprueba?",
        "Un up sale es cuando el cliente compra más del servicio que ya tiene: add-ons en web o subir el plan de "
        "marketing. Debe aprobarlo el COO (Camilo Castro), para asegurar que no está dentro del alcance ya "
        "contratado.",
        "up sale upsell adicional add ons addons subir plan mejorar plan ampliar coo camilo castro aprobacion alcance",
    ),
    Rule(
        "referidos", "¿Cómo refiero un cliente potencial?",
        "Si no quieres vender, refiere el cliente potencial con `/referir-lead` (o en el landing de referidos). Un "
        "perfilador de ventas lo califica como malo, bueno o vendido. Los clientes de renovaciones no cuentan como "
        "lead, salvo que quieran un servicio diferente al que ya tienen.",
        "referir referido lead cliente potencial landing formulario perfilador prospecto recomendar conocido",
    ),
    Rule(
        "referidos-pago", "¿Cuánto gano por un referido?",
        "Por lead: malo $ 0, bueno $ 5.000, vendido $ 10.000 (según el estado final del lead, no se suman).",
        "cuanto pagan por referido lead bueno malo vendido 5000 10000 premio recompensa comision por lead",
    ),
    Rule(
        "cedula", "¿Por qué me piden la cédula al referir?",
        "Escribe tu cédula sin errores: es como se identifica quién envió el lead a comercial y a quién se le paga.",
        "cedula documento identificacion numero equivocado error cedula mal escrita",
    ),
    Rule(
        "pitch", "¿Hay un pitch de venta?",
        "El área comercial está construyendo un pitch de venta basado en su experiencia y resultados; se harán "
        "sesiones para socializarlo.",
        "pitch guion discurso como vender argumentos capacitacion sesion entrenamiento",
    ),
)
